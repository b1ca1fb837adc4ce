package mgmtapi

import (
	"net/http"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/problem"
)

// userRoutes are management-api.md §5.10 (reads) and §5.11.
func (a *API) userRoutes() []route {
	return []route{
		r(http.MethodGet, "license-users", a.listUsers),
		r(http.MethodGet, "license-users/{id}", a.getUser),
		r(http.MethodPost, "license-users/{id}/set_password", func(c *call) error { return a.setPassword(c, true) }),
		r(http.MethodPost, "license-users/set_password", func(c *call) error { return a.setPassword(c, false) }),
	}
}

// setPassword serves both set_password paths: by id, or by ?email=.
func (a *API) setPassword(c *call, byID bool) error {
	q, err := newQuery(c.r)
	if err != nil {
		return err
	}
	ref := catalog.UserRef{}
	if byID {
		ref.ID = c.ids[0]
	} else if ref.Email, _ = q.get("email"); ref.Email == "" {
		return problem.New(problem.CodeMissingParameters, "email: required")
	}
	if err := q.done(); err != nil {
		return err
	}
	// The user must exist before the body is read (management-api.md
	// §1.11: 404 comes before invalid_json).
	lu, err := a.cat.FindUser(c.r.Context(), c.principal.CompanyID, ref)
	if err != nil {
		return err
	}
	m, err := object(c.r)
	if err != nil {
		return err
	}
	f := newFields(m, "")
	pw, ok, err := f.str("password", 1024)
	if err != nil {
		return err
	}
	if err := f.done(); err != nil {
		return err
	}
	if !ok {
		return problem.New(problem.CodeMissingParameters, "password: required")
	}
	if err := a.cat.SetPassword(c.r.Context(), a.actor(c), catalog.UserRef{ID: lu.ID}, pw); err != nil {
		return err
	}
	return a.message(c.w, "Password set.")
}
