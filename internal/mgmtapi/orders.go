package mgmtapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/store"
)

// orderRoutes are management-api.md §5.1 and §5.3 (reads).
func (a *API) orderRoutes() []route {
	return []route{
		r(http.MethodPost, "orders/create_order", a.createOrder),
		r(http.MethodGet, "orders", a.listOrders),
		r(http.MethodGet, "orders/{id}", a.getOrder),
	}
}

// orderJSON is the Order of §4.6; Licenses only in create_order and
// GET orders/{id}/.
type orderJSON struct {
	ID             int64           `json:"id"`
	StoreID        string          `json:"store_id"`
	Created        *string         `json:"created"`
	IsTest         bool            `json:"is_test"`
	OrderType      string          `json:"order_type"`
	Reference      string          `json:"reference"`
	Language       string          `json:"language"`
	CampaignParams string          `json:"campaign_params"`
	DownloadID     string          `json:"download_id"`
	PreventVM      bool            `json:"prevent_vm"`
	Metadata       json.RawMessage `json:"metadata"`
	Customer       *customerJSON   `json:"customer"`
	LicenseCount   int             `json:"license_count"`
	LicenseIDs     []int64         `json:"license_ids"`
	CreatedAt      string          `json:"created_at"`
	UpdatedAt      string          `json:"updated_at"`
	Licenses       []licenseJSON   `json:"licenses,omitempty"`
}

func newOrder(o *catalog.Order) orderJSON {
	return orderJSON{ID: o.ID, StoreID: o.StoreID, Created: tsPtr(o.Created), IsTest: o.IsTest, OrderType: o.OrderType, Reference: o.Reference,
		Language: o.Language, CampaignParams: o.CampaignParams, DownloadID: o.DownloadID, PreventVM: o.PreventVM, Metadata: meta(o.Metadata),
		Customer: newCustomer(o.Customer), LicenseCount: len(o.LicenseIDs), LicenseIDs: o.LicenseIDs, CreatedAt: ts(o.CreatedAt),
		UpdatedAt: ts(o.UpdatedAt)}
}

// withLicenses renders an order with its License objects.
func (a *API) withLicenses(c *call, o *catalog.Order) (orderJSON, error) {
	out := newOrder(o)
	out.Licenses = []licenseJSON{}
	for _, id := range o.LicenseIDs {
		l, err := a.cat.License(c.r.Context(), c.principal.CompanyID, id)
		if err != nil {
			return out, err
		}
		out.Licenses = append(out.Licenses, newLicense(l))
	}
	return out, nil
}

func (a *API) createOrder(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	m, err := object(c.r)
	if err != nil {
		return err
	}
	in, err := readOrder(m)
	if err != nil {
		return err
	}
	in.Order.RequestHash = canonicalHash(m)
	id, replayed, err := a.cat.CreateOrder(c.r.Context(), a.actor(c), in)
	if err != nil {
		return err
	}
	o, err := a.cat.Order(c.r.Context(), c.principal.CompanyID, id)
	if err != nil {
		return err
	}
	out, err := a.withLicenses(c, o)
	if err != nil {
		return err
	}
	c.w.Header().Set("Location", fmt.Sprintf("%sorders/%d/", Prefix, id))
	status := http.StatusCreated
	if replayed {
		c.w.Header().Set("Idempotent-Replayed", "true")
		status = http.StatusOK
	}
	a.writeJSONStatus(c.w, status, out)
	return nil
}

// canonicalHash is the SHA-256 of a body as a JSON value: key order and
// white space do not matter.
func canonicalHash(m map[string]json.RawMessage) string {
	var v any
	b, _ := json.Marshal(m)
	_ = json.Unmarshal(b, &v)
	canon, _ := json.Marshal(v) // maps marshal with sorted keys
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
}

var orderFilters = []filterSpec{
	{"store_id", text("t.store_id = ?")},
	{"store_id__icontains", contains("t.store_id")},
	{"store_id__startswith", prefix("t.store_id")},
	{"customer_id", id("t.customer_id = ?")},
	{"customer_email", text("t.customer_id IN (SELECT id FROM customers WHERE lower(email) = lower(?))")},
	{"customer_email__icontains", containsIn(`t.customer_id IN (SELECT id FROM customers WHERE lower(email) LIKE ? ESCAPE '\')`)},
	{"is_test", boolean("t.is_test = ?")},
	{"created_at__gt", date("t.created_at > ?")},
	{"created_at__gte", date("t.created_at >= ?")},
	{"created_at__lt", date("t.created_at < ?")},
	{"created_at__lte", date("t.created_at <= ?")},
}

func (a *API) listOrders(c *call) error {
	return a.list(c, []string{"id", "created_at", "store_id"}, "id", nil, orderFilters, func(f store.Filter, p store.Page) (int64, []any, error) {
		total, os, err := a.cat.Orders(c.r.Context(), c.principal.CompanyID, f, p)
		out := make([]any, len(os))
		for i, o := range os {
			out[i] = newOrder(o)
		}
		return total, out, err
	})
}

func (a *API) getOrder(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	o, err := a.cat.Order(c.r.Context(), c.principal.CompanyID, c.ids[0])
	if err != nil {
		return err
	}
	out, err := a.withLicenses(c, o)
	if err != nil {
		return err
	}
	return a.writeJSON(c.w, out)
}
