package mgmtapi

import (
	"net/http"
	"strings"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/problem"
)

// assignRoutes are management-api.md §5.9.
func (a *API) assignRoutes() []route {
	return []route{
		r(http.MethodPost, "licenses/{id}/assign_user", a.assignUser),
		r(http.MethodPost, "licenses/{id}/unassign_user", a.unassignUser),
	}
}

func (a *API) assignUser(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	if err := a.cat.LicenseExists(c.r.Context(), c.principal.CompanyID, c.ids[0]); err != nil {
		return err
	}
	m, err := object(c.r)
	if err != nil {
		return err
	}
	f := newFields(m, "")
	var as catalog.Assignment
	for name, dst := range map[string]*string{"first_name": &as.FirstName, "last_name": &as.LastName, "phone_number": &as.PhoneNumber} {
		if *dst, _, err = f.str(name, 255); err != nil {
			return err
		}
	}
	email, _, err := f.str("email", 254)
	if err != nil {
		return err
	}
	if as.Password, _, err = f.str("password", 1024); err != nil {
		return err
	}
	for name, dst := range map[string]**int64{"max_activations": &as.MaxActivations, "total_activations": &as.TotalActivations} {
		if v, ok, err := f.integer(name, 0, maxInt); err != nil {
			return err
		} else if ok {
			*dst = &v
		}
	}
	if v, ok, err := f.boolean("is_manager"); err != nil {
		return err
	} else if ok && v {
		return problem.New(problem.CodeUnsupportedField, "is_manager: only false (license managers are not supported yet)")
	}
	if err := f.done(); err != nil {
		return err
	}
	if as.Email = strings.TrimSpace(email); as.Email == "" {
		return problem.New(problem.CodeMissingParameters, "email: required")
	}
	if err := checkEmail(as.Email); err != nil {
		return f.bad("email", err.Error())
	}
	told, err := a.cat.AssignUser(c.r.Context(), a.actor(c), c.ids[0], as)
	if err != nil {
		return err
	}
	var pw *string
	if told != "" {
		pw = &told
	}
	return a.writeJSON(c.w, struct {
		Message     string  `json:"message"`
		NewPassword *string `json:"new_password"`
	}{"License assigned.", pw})
}

func (a *API) unassignUser(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	if err := a.cat.LicenseExists(c.r.Context(), c.principal.CompanyID, c.ids[0]); err != nil {
		return err
	}
	m, err := object(c.r)
	if err != nil {
		return err
	}
	f := newFields(m, "")
	id, hasID, err := f.integer("license_user_id", 1, maxJSInt)
	if err != nil {
		return err
	}
	email, hasEmail, err := f.str("license_user_email", 254)
	if err != nil {
		return err
	}
	if err := f.done(); err != nil {
		return err
	}
	switch {
	case hasID == hasEmail && hasID:
		return problem.New(problem.CodeValidationError, "license_user_id, license_user_email: send exactly one")
	case !hasID && !hasEmail:
		return problem.New(problem.CodeMissingParameters, "license_user_id or license_user_email: required")
	}
	if err := a.cat.UnassignUser(c.r.Context(), a.actor(c), c.ids[0], catalog.UserRef{ID: id, Email: email}); err != nil {
		return err
	}
	return a.message(c.w, "License unassigned.")
}
