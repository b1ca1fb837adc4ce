package mgmtapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// productRoutes are management-api.md §5.13 (create and update are
// licensor's: a self-hosted server has no vendor platform to make them).
func (a *API) productRoutes() []route {
	return []route{
		r(http.MethodGet, "products", a.listProducts),
		r(http.MethodPost, "products", a.createProduct),
		r(http.MethodGet, "products/{id}", a.getProduct),
		r(http.MethodPatch, "products/{id}", a.patchProduct),
	}
}

// productJSON is the Product of §4.1.
type productJSON struct {
	ID                  int64           `json:"id"`
	ProductName         string          `json:"product_name"`
	ShortCode           string          `json:"short_code"`
	AuthorizationMethod string          `json:"authorization_method"`
	IsBundle            bool            `json:"is_bundle"`
	BundleProducts      []int64         `json:"bundle_products"`
	IsArchived          bool            `json:"is_archived"`
	IsDisabled          bool            `json:"is_disabled"`
	AllowTrial          bool            `json:"allow_trial"`
	TrialDays           int64           `json:"trial_days"`
	TrialMaxActivations int64           `json:"trial_max_activations"`
	DefaultLicenseType  string          `json:"default_license_type"`
	MaxActivations      int64           `json:"max_activations"`
	PreventVM           bool            `json:"prevent_vm"`
	FloatingTimeout     int64           `json:"floating_timeout"`
	AllowOverages       bool            `json:"allow_overages"`
	MaxOverages         int64           `json:"max_overages"`
	Metadata            json.RawMessage `json:"metadata"`
	CreatedAt           string          `json:"created_at"`
	UpdatedAt           string          `json:"updated_at"`
}

func newProduct(p *catalog.Product) productJSON {
	return productJSON{ID: p.ID, ProductName: p.Name, ShortCode: p.ShortCode, AuthorizationMethod: p.AuthorizationMethod, IsBundle: p.IsBundle,
		BundleProducts: p.BundleProducts, IsArchived: p.IsArchived, IsDisabled: p.IsDisabled, AllowTrial: p.AllowTrial, TrialDays: p.TrialDays,
		TrialMaxActivations: p.TrialMaxActivations, DefaultLicenseType: p.DefaultLicenseType, MaxActivations: p.MaxActivations,
		PreventVM: p.PreventVM, FloatingTimeout: p.FloatingTimeout, AllowOverages: p.AllowOverages, MaxOverages: p.MaxOverages,
		Metadata: meta(p.Metadata), CreatedAt: ts(p.CreatedAt), UpdatedAt: ts(p.UpdatedAt)}
}

// productWritable are §4.1's writable fields; product_name is the setting
// "name".
var productWritable = map[string]settingField{
	"product_name": {kind: kindString, setting: "name"}, "is_archived": {kind: kindBool}, "is_disabled": {kind: kindBool},
	"allow_trial": {kind: kindBool}, "trial_days": {kind: kindInt, hi: maxInt},
	"trial_max_activations": {kind: kindInt, lo: 1, hi: maxInt}, "default_license_type": {kind: kindString},
	"max_activations": {kind: kindInt, hi: maxInt}, "prevent_vm": {kind: kindBool},
	"floating_timeout": {kind: kindInt, lo: 1, hi: maxInt}, "allow_overages": {kind: kindBool},
	"max_overages": {kind: kindInt, hi: maxInt}, "metadata": {kind: kindMeta},
}

var productFilters = []filterSpec{
	{"short_code", text("t.short_code = ?")},
	{"short_code__icontains", contains("t.short_code")},
	{"product_name__icontains", contains("t.name")},
	{"authorization_method", text("t.authorization_method = ?")},
	{"is_archived", boolean("t.is_archived = ?")},
	{"is_disabled", boolean("t.is_disabled = ?")},
	{"is_bundle", boolean("t.is_bundle = ?")},
}

func (a *API) listProducts(c *call) error {
	columns := map[string]string{"product_name": "name"}
	return a.list(c, []string{"id", "short_code", "product_name", "created_at"}, "id", columns, productFilters,
		func(f store.Filter, p store.Page) (int64, []any, error) {
			total, ps, err := a.cat.Products(c.r.Context(), c.principal.CompanyID, f, p)
			out := make([]any, len(ps))
			for i, pr := range ps {
				out[i] = newProduct(pr)
			}
			return total, out, err
		})
}

func (a *API) getProduct(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	p, err := a.cat.Product(c.r.Context(), c.principal.CompanyID, c.ids[0])
	if err != nil {
		return err
	}
	return a.writeJSON(c.w, newProduct(p))
}

func (a *API) createProduct(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	m, err := object(c.r)
	if err != nil {
		return err
	}
	f := newFields(m, "")
	code, _, err := f.str("short_code", 64)
	if err != nil {
		return err
	}
	auth, hasAuth, err := f.str("authorization_method", 32)
	if err != nil {
		return err
	}
	if !hasAuth {
		auth = store.AuthLicenseKey
	}
	if raw, ok := f.raw("is_bundle"); ok && strings.TrimSpace(string(raw)) != "false" {
		return problem.New(problem.CodeUnsupportedField, "is_bundle: bundles are made with licensor product create --bundle")
	}
	name, _, err := f.str("product_name", 255)
	if err != nil {
		return err
	}
	var missing []string
	for k, v := range map[string]string{"short_code": code, "product_name": name} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return problem.New(problem.CodeMissingParameters, strings.Join(missing, ", ")+": required")
	}
	spec := map[string]settingField{}
	for k, v := range productWritable {
		if k != "product_name" {
			spec[k] = v
		}
	}
	settings, _, err := settingsChange(f, spec, nil)
	if err != nil {
		return err
	}
	if err := f.done(); err != nil {
		return err
	}
	id, err := a.cat.CreateProduct(c.r.Context(), a.actor(c), code, name, auth, settings)
	if err != nil {
		return err
	}
	p, err := a.cat.Product(c.r.Context(), c.principal.CompanyID, id)
	if err != nil {
		return err
	}
	c.w.Header().Set("Location", fmt.Sprintf("%sproducts/%d/", Prefix, id))
	a.writeJSONStatus(c.w, http.StatusCreated, newProduct(p))
	return nil
}

func (a *API) patchProduct(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	cur, err := a.cat.Product(c.r.Context(), c.principal.CompanyID, c.ids[0])
	if err != nil {
		return err
	}
	m, err := object(c.r)
	if err != nil {
		return err
	}
	f := newFields(m, "")
	current := asMap(newProduct(cur))
	settings, changed, err := settingsChange(f, productWritable, current)
	if err != nil {
		return err
	}
	if err := readOnlyUnchanged(f, m, current); err != nil {
		return err
	}
	if err := f.done(); err != nil {
		return err
	}
	if len(changed) > 0 {
		if err := a.cat.UpdateProduct(c.r.Context(), a.actor(c), c.ids[0], settings, changed); err != nil {
			return err
		}
		if cur, err = a.cat.Product(c.r.Context(), c.principal.CompanyID, c.ids[0]); err != nil {
			return err
		}
	}
	return a.writeJSON(c.w, newProduct(cur))
}
