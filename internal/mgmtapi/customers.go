package mgmtapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// customerRoutes are management-api.md §5.12.
func (a *API) customerRoutes() []route {
	return []route{
		r(http.MethodGet, "customers", a.listCustomers),
		r(http.MethodPost, "customers", a.createCustomer),
		r(http.MethodGet, "customers/{id}", a.getCustomer),
		r(http.MethodPatch, "customers/{id}", a.patchCustomer),
		r(http.MethodDelete, "customers/{id}", a.deleteCustomer),
	}
}

// customerObject is the Customer of §4.5.
type customerObject struct {
	customerJSON
	TotalLicenses int64  `json:"total_licenses"`
	UpdatedAt     string `json:"updated_at"`
}

func newCustomerObject(c *catalog.Customer) customerObject {
	return customerObject{customerJSON: *newCustomer(&c.Customer), TotalLicenses: c.Licenses, UpdatedAt: ts(c.UpdatedAt)}
}

var customerFilters = []filterSpec{
	{"email", text("lower(t.email) = lower(?)")},
	{"email__icontains", contains("t.email")},
	{"email__startswith", text(`lower(t.email) LIKE ? ESCAPE '\'`).withValue(func(v string) string { return likeEscape(strings.ToLower(v)) + "%" })},
	{"first_name__icontains", contains("t.first_name")},
	{"last_name__icontains", contains("t.last_name")},
	{"company_name__icontains", contains("t.company_name")},
	{"phone__icontains", contains("t.phone")},
	{"reference", text("t.reference = ?")},
	{"reference__exact", text("t.reference = ?")},
	{"reference__icontains", contains("t.reference")},
	{"reference__startswith", prefix("t.reference")},
}

func (a *API) listCustomers(c *call) error {
	return a.list(c, []string{"id", "email", "created_at"}, "id", nil, customerFilters, func(f store.Filter, p store.Page) (int64, []any, error) {
		total, cs, err := a.cat.Customers(c.r.Context(), c.principal.CompanyID, f, p)
		out := make([]any, len(cs))
		for i, cu := range cs {
			out[i] = newCustomerObject(cu)
		}
		return total, out, err
	})
}

func (a *API) getCustomer(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	cu, err := a.cat.Customer(c.r.Context(), c.principal.CompanyID, c.ids[0])
	if err != nil {
		return err
	}
	return a.writeJSON(c.w, newCustomerObject(cu))
}

// customerText are the customer's text fields besides email (§4.5).
var customerText = []string{"first_name", "last_name", "company_name", "phone", "reference", "address", "city", "postcode", "state", "country"}

// customerFields reads a customer body: the columns it sets, by name.
// read-only fields are accepted unchanged (cur), customer_account only
// null.
func customerFields(m map[string]json.RawMessage, cur *customerObject) (map[string]any, error) {
	f := newFields(m, "")
	cols := map[string]any{}
	if email, ok, err := f.str("email", 254); err != nil {
		return nil, err
	} else if ok {
		email = strings.TrimSpace(email)
		if err := checkEmail(email); err != nil {
			return nil, f.bad("email", err.Error())
		}
		cols["email"] = email
	}
	for _, name := range customerText {
		if v, ok, err := f.str(name, 255); err != nil {
			return nil, err
		} else if ok {
			cols[name] = v
		}
	}
	if raw, ok := f.raw("metadata"); ok {
		canon, err := metadataText(raw)
		if err != nil {
			return nil, f.bad("metadata", err.Error())
		}
		cols["metadata"] = canon
	}
	if raw, ok := f.raw("customer_account"); ok && !isNull(raw) {
		return nil, problem.New(problem.CodeUnsupportedField, "customer_account: only null (set customer accounts with the CLI)")
	}
	var current map[string]json.RawMessage
	if cur != nil {
		b, _ := json.Marshal(cur)
		_ = json.Unmarshal(b, &current)
	}
	for name, v := range m {
		if f.read[name] {
			continue
		}
		if c, ok := current[name]; ok {
			f.read[name] = true
			if !jsonEqual(c, v) {
				return nil, f.bad(name, "read-only field")
			}
		}
	}
	return cols, f.done()
}

// checkEmail applies management-api.md §1.4's e-mail rule.
func checkEmail(e string) error {
	if strings.Count(e, "@") != 1 || strings.ContainsAny(e, " \t\r\n|") || strings.HasPrefix(e, "@") || strings.HasSuffix(e, "@") {
		return fmt.Errorf("not an e-mail address")
	}
	return nil
}

// metadataText reads metadata: an object, or a string holding one.
func metadataText(raw json.RawMessage) (string, error) {
	text := string(raw)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		text = s
	}
	canon, err := licensing.CanonicalMetadata(text)
	if err != nil || len(canon) > 16<<10 {
		return "", fmt.Errorf("must be a JSON object (at most 16 KiB)")
	}
	return canon, nil
}

func (a *API) createCustomer(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	m, err := object(c.r)
	if err != nil {
		return err
	}
	cols, err := customerFields(m, nil)
	if err != nil {
		return err
	}
	email, _ := cols["email"].(string)
	if email == "" {
		return problem.New(problem.CodeMissingParameters, "email: required")
	}
	str := func(k string) string { s, _ := cols[k].(string); return s }
	cu := store.Customer{Email: email, FirstName: str("first_name"), LastName: str("last_name"), CompanyName: str("company_name"),
		Phone: str("phone"), Reference: str("reference"), Address: str("address"), City: str("city"), Postcode: str("postcode"),
		State: str("state"), Country: str("country"), Metadata: str("metadata")}
	id, err := a.cat.CreateCustomer(c.r.Context(), a.actor(c), cu)
	if err != nil {
		return err
	}
	created, err := a.cat.Customer(c.r.Context(), c.principal.CompanyID, id)
	if err != nil {
		return err
	}
	c.w.Header().Set("Location", fmt.Sprintf("%scustomers/%d/", Prefix, id))
	a.writeJSONStatus(c.w, http.StatusCreated, newCustomerObject(created))
	return nil
}

func (a *API) patchCustomer(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	cur, err := a.cat.Customer(c.r.Context(), c.principal.CompanyID, c.ids[0])
	if err != nil {
		return err
	}
	m, err := object(c.r)
	if err != nil {
		return err
	}
	obj := newCustomerObject(cur)
	cols, err := customerFields(m, &obj)
	if err != nil {
		return err
	}
	var set []store.Column
	var fields []string
	current := map[string]any{"email": cur.Email, "first_name": cur.FirstName, "last_name": cur.LastName, "company_name": cur.CompanyName,
		"phone": cur.Phone, "reference": cur.Reference, "address": cur.Address, "city": cur.City, "postcode": cur.Postcode,
		"state": cur.State, "country": cur.Country, "metadata": string(meta(cur.Metadata))}
	for name, v := range cols {
		if current[name] != v {
			set, fields = append(set, store.Column{Name: name, Value: v}), append(fields, name)
		}
	}
	if len(set) > 0 {
		if err := a.cat.UpdateCustomer(c.r.Context(), a.actor(c), c.ids[0], set, fields); err != nil {
			return err
		}
		if cur, err = a.cat.Customer(c.r.Context(), c.principal.CompanyID, c.ids[0]); err != nil {
			return err
		}
	}
	return a.writeJSON(c.w, newCustomerObject(cur))
}

func (a *API) deleteCustomer(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	if err := a.cat.DeleteCustomer(c.r.Context(), a.actor(c), c.ids[0]); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}
