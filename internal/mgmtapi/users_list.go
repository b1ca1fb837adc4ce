package mgmtapi

import (
	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/store"
)

// userJSON is the License user of §4.8.
type userJSON struct {
	ID                int64             `json:"id"`
	Email             string            `json:"email"`
	TrueEmail         string            `json:"true_email"`
	FirstName         string            `json:"first_name"`
	LastName          string            `json:"last_name"`
	PhoneNumber       string            `json:"phone_number"`
	IsActive          bool              `json:"is_active"`
	IsInitialPassword bool              `json:"is_initial_password"`
	InitialPassword   string            `json:"initial_password"`
	PasswordChangedAt *string           `json:"password_changed_at"`
	Licenses          []userLicenseJSON `json:"licenses"`
	CreatedAt         string            `json:"created_at"`
}

type userLicenseJSON struct {
	License                   int64  `json:"license"`
	ProductShortCode          string `json:"product_short_code"`
	MaxActivations            int64  `json:"max_activations"`
	AllowUnlimitedActivations bool   `json:"allow_unlimited_activations"`
	TotalActivations          int64  `json:"total_activations"`
}

func newUser(u *catalog.User) userJSON {
	out := userJSON{ID: u.ID, Email: u.Email, TrueEmail: store.NormalizeEmail(u.Email), FirstName: u.FirstName, LastName: u.LastName,
		PhoneNumber: u.PhoneNumber, IsActive: u.IsActive, IsInitialPassword: u.IsInitialPassword, InitialPassword: u.InitialPassword,
		PasswordChangedAt: tsPtr(u.PasswordChangedAt), Licenses: []userLicenseJSON{}, CreatedAt: ts(u.CreatedAt)}
	for _, l := range u.Licenses {
		out.Licenses = append(out.Licenses, userLicenseJSON{License: l.LicenseID, ProductShortCode: l.ProductShortCode,
			MaxActivations: l.Link.MaxActivations, AllowUnlimitedActivations: l.Link.AllowUnlimitedActivations,
			TotalActivations: l.Link.TotalActivations})
	}
	return out
}

var userFilters = []filterSpec{
	{"true_email", text("t.email_normalized = lower(?)")},
	{"true_email__iexact", text("t.email_normalized = lower(?)")},
	{"true_email__icontains", contains("t.email_normalized")},
	{"first_name__icontains", contains("t.first_name")},
	{"last_name__icontains", contains("t.last_name")},
	{"phone_number__icontains", contains("t.phone_number")},
	{"is_active", boolean("t.is_active = ?")},
	{"license", id("t.id IN (SELECT license_user_id FROM license_user_licenses WHERE license_id = ?)")},
}

var userOrders = []string{"id", "true_email", "created_at"}

func (a *API) listUsers(c *call) error {
	return a.list(c, userOrders, "id", map[string]string{"true_email": "email_normalized"}, userFilters,
		func(f store.Filter, p store.Page) (int64, []any, error) {
			total, us, err := a.cat.Users(c.r.Context(), c.principal.CompanyID, f, p)
			out := make([]any, len(us))
			for i, u := range us {
				out[i] = newUser(u)
			}
			return total, out, err
		})
}

func (a *API) getUser(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	u, err := a.cat.User(c.r.Context(), c.principal.CompanyID, c.ids[0])
	if err != nil {
		return err
	}
	return a.writeJSON(c.w, newUser(u))
}

// list serves a paged, filtered, ordered collection: columns maps order_by
// names to columns where they differ.
func (a *API) list(c *call, orders []string, def string, columns map[string]string, specs []filterSpec,
	load func(store.Filter, store.Page) (int64, []any, error)) error {
	q, err := newQuery(c.r)
	if err != nil {
		return err
	}
	p, err := q.page(orders, def)
	if err != nil {
		return err
	}
	f, err := q.filters(specs)
	if err != nil {
		return err
	}
	if err := q.done(); err != nil {
		return err
	}
	col := p.orderBy
	if c, ok := columns[col]; ok {
		col = c
	}
	total, results, err := load(f, store.Page{Limit: p.limit, Offset: p.offset, OrderBy: col, Desc: p.desc})
	if err != nil {
		return err
	}
	return a.writeJSON(c.w, a.newPage(c.r, p, total, results))
}
