package licenseapi

import (
	"net/http"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/licensing"
)

// changePassword serves POST /api/v4/change_password (change-password.md).
// Rows 1–7 ran in authorization; rows 8–11 are here; the rules from row 12 on
// are licensing's.
func (a *API) changePassword(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	body, err := a.readBody(w, r)
	if err != nil {
		return err
	}
	p, err := decodeStringObject(body, "username", "password", "new_password")
	if err != nil {
		return err
	}
	if err := requireParams(p, "username", "password", "new_password"); err != nil {
		return err
	}
	err = a.svc.ChangePassword(r.Context(), licensing.ChangePasswordInput{
		Caller:       a.caller(r, cred),
		CompanyID:    cred.CompanyID,
		CredentialID: cred.ID,
		ClientIP:     a.clientIP(r),
		Username:     p["username"],
		Password:     p["password"],
		NewPassword:  p["new_password"],
	})
	if err != nil {
		return err
	}
	return a.writeJSON(w, "password_changed")
}
