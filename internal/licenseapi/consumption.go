package licenseapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/wire"
)

// addConsumption serves POST /api/v4/add_consumption (license-api.md §5.7).
func (a *API) addConsumption(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	in, err := a.consumptionInput(w, r)
	if err != nil {
		return err
	}
	l, err := a.svc.AddConsumption(r.Context(), a.caller(r, cred), in)
	if err != nil {
		return err
	}
	return a.writeJSON(w, wire.NewConsumptionAdded(l))
}

// addFeatureConsumption serves POST /api/v4/add_feature_consumption
// (license-api.md §5.8).
func (a *API) addFeatureConsumption(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	in, err := a.consumptionInput(w, r)
	if err != nil {
		return err
	}
	f, err := a.svc.AddFeatureConsumption(r.Context(), a.caller(r, cred), in)
	if err != nil {
		return err
	}
	return a.writeJSON(w, wire.NewFeatureConsumptionAdded(f, cred.CompanyID))
}

// consumptionInput reads the body of both consumption calls. ignore_events
// and event are accepted and have no effect (licensor records every
// addition the same way).
func (a *API) consumptionInput(w http.ResponseWriter, r *http.Request) (licensing.ConsumptionInput, error) {
	p, err := a.postParams(w, r)
	if err != nil {
		return licensing.ConsumptionInput{}, err
	}
	c := &collector{p: p}
	in := licensing.ConsumptionInput{Identity: c.identity(), Feature: c.str("feature")}
	in.Password = ""
	if c.err != nil {
		return in, c.err
	}
	n, ok, err := p.signedInt("consumptions")
	if err != nil {
		return in, err
	}
	if !ok {
		return in, problem.New(problem.CodeMissingParameters, "some parameters are missing in the request: consumptions")
	}
	in.N = n
	if _, ok := p.raw("allow_overages"); ok {
		b, err := p.bool("allow_overages")
		if err != nil {
			return in, err
		}
		in.AllowOverages = &b
	}
	if _, ok := p.raw("max_overages"); ok {
		m, err := p.int("max_overages")
		if err != nil {
			return in, err
		}
		in.MaxOverages = &m
	}
	return in, nil
}

// signedInt returns an integer parameter that may be negative, and whether
// it was given at all.
func (p *params) signedInt(name string) (int64, bool, error) {
	v, ok := p.raw(name)
	if !ok {
		return 0, false, nil
	}
	var num json.Number
	if (v[0] != '-' && (v[0] < '0' || v[0] > '9')) || json.Unmarshal(v, &num) != nil {
		return 0, true, typeError(name, "an integer") // a JSON number, not a string
	}
	n, err := strconv.ParseInt(num.String(), 10, 64)
	if err != nil {
		return 0, true, typeError(name, "an integer")
	}
	return n, true, nil
}
