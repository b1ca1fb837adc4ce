package licenseapi

import (
	"context"
	"io"
	"mime"
	"net/http"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/signing"
	"github.com/licensor/licensor/internal/wire"
)

// offlineBody reads an offline request file: the body itself (text/plain,
// as the SDKs send it), or the "file" field of a multipart form.
func (a *API) offlineBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return a.readBody(w, r)
	}
	r.Body = http.MaxBytesReader(w, r.Body, a.cfg.MaxBodyBytes)
	if err := r.ParseMultipartForm(a.cfg.MaxBodyBytes); err != nil {
		return nil, problem.New(problem.CodeInvalidRequestBody, "the multipart form cannot be read")
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		return nil, problem.New(problem.CodeMissingContent, "the form has no file field")
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, a.cfg.MaxBodyBytes))
}

// offlineCaller checks that the file was signed by a credential of the
// caller's company, and acts as that file's credential.
func (a *API) offlineCaller(r *http.Request, cred, signer *auth.Credential) (licensing.Caller, error) {
	if signer.CompanyID != cred.CompanyID {
		return licensing.Caller{}, problem.New(problem.CodeInvalidAPIKey, "the request file was signed with another company's API key")
	}
	c := a.caller(r, cred)
	c.AllowedProducts = signer.AllowedProducts
	if signer.ScopeLicenseID != 0 || signer.ScopeCustomerID != 0 {
		// A file signed by a scoped OAuth client reaches only that
		// client's licenses, whoever uploads it.
		if (c.ScopeLicenseID != 0 || c.ScopeCustomerID != 0) && (c.ScopeLicenseID != signer.ScopeLicenseID || c.ScopeCustomerID != signer.ScopeCustomerID) {
			return licensing.Caller{}, problem.New(problem.CodeInvalidAPIKey, "the request file was signed by an OAuth client with another scope")
		}
		c.ScopeLicenseID, c.ScopeCustomerID = signer.ScopeLicenseID, signer.ScopeCustomerID
	}
	return c, nil
}

// offlineRequest reads, verifies and bounds the request file of kind
// ("activation" or "deactivation"), and returns it with the caller to act
// as.
func (a *API) offlineRequest(w http.ResponseWriter, r *http.Request, cred *auth.Credential, kind string) (*licensing.OfflinePayload, licensing.Caller, error) {
	body, err := a.offlineBody(w, r)
	if err != nil {
		return nil, licensing.Caller{}, err
	}
	p, signer, err := ReadOfflineFile(r.Context(), a.svc, body, kind)
	if err != nil {
		return nil, licensing.Caller{}, err
	}
	c, err := a.offlineCaller(r, cred, signer)
	return p, c, err
}

// ReadOfflineFile verifies an offline request file (licensing.ParseOffline)
// and applies the online calls' length limits to it: for the API and for
// `licensor offline activate|deactivate`.
func ReadOfflineFile(ctx context.Context, svc *licensing.Service, body []byte, kind string) (*licensing.OfflinePayload, *auth.Credential, error) {
	p, signer, err := svc.ParseOffline(ctx, body, kind)
	if err != nil {
		return nil, nil, err
	}
	if err := checkOfflineLimits(p); err != nil {
		return nil, nil, err
	}
	return p, signer, nil
}

// activateOffline serves POST /api/v4/activate_offline (license-api.md
// §5.5).
func (a *API) activateOffline(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	p, c, err := a.offlineRequest(w, r, cred, "activation")
	if err != nil {
		return err
	}
	act, err := a.svc.ActivateOffline(r.Context(), c, p)
	if err != nil {
		return err
	}
	out, err := OfflineAnswer(a.signer, act)
	if err != nil {
		return err
	}
	return a.writeJSON(w, out)
}

// deactivateOffline serves POST /api/v4/deactivate_offline.
func (a *API) deactivateOffline(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	p, c, err := a.offlineRequest(w, r, cred, "deactivation")
	if err != nil {
		return err
	}
	if err := a.svc.DeactivateOffline(r.Context(), c, p); err != nil {
		return err
	}
	return a.writeJSON(w, "license_deactivated")
}

// checkOfflineLimits applies the length limits of online calls to the
// strings and variables of an offline request file.
func checkOfflineLimits(p *licensing.OfflinePayload) error {
	strs, vars := p.Strings()
	for name, v := range strs {
		if err := checkLen(name, v); err != nil {
			return err
		}
	}
	return checkVariables(vars)
}

// OfflineAnswer renders and signs the answer to an offline activation, for
// the API and for `licensor offline activate`.
func OfflineAnswer(signer *signing.Signer, act *licensing.OfflineActivation) (*wire.OfflineLicense, error) {
	l := wire.NewLicense(act.View, wire.LicenseOptions{Request: "activation", Username: act.Identity.Username})
	identity := act.Identity.LicenseKey
	if act.Identity.Username != "" {
		identity = act.Identity.Username
	}
	sig, err := signer.LicenseSignatureV1(act.Identity.HardwareID, identity, act.View.License.ValidityPeriod)
	if err != nil {
		return nil, err
	}
	l.LicenseSignature = sig
	return wire.NewOfflineLicense(l, act.Date, act.OfflineSignature, signer.Sign)
}
