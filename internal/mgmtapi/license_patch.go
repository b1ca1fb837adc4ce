package mgmtapi

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/problem"
)

// licenseWritable are the writable fields of PATCH licenses/{id}/
// (management-api.md §5.5), each a `license set` setting of the same name.
var licenseWritable = func() map[string]settingField {
	m := map[string]settingField{
		"start_date": {kind: kindDate}, "validity_period": {kind: kindDate}, "maintenance_period": {kind: kindDate},
		"license_type": {kind: kindString}, "valid_duration": {kind: kindString}, "consumption_period": {kind: kindString, nullable: true},
		"metadata": {kind: kindMeta},
	}
	for _, b := range []string{"enabled", "is_trial", "enable_maintenance_period", "allow_grace_period", "allow_unlimited_activations",
		"prevent_vm", "allow_offline_activation", "is_floating_cloud", "can_borrow", "allow_unlimited_consumptions",
		"allow_negative_consumptions", "allow_overages", "reset_consumption"} {
		m[b] = settingField{kind: kindBool}
	}
	for _, i := range []string{"trial_days", "grace_period", "max_activations", "max_license_users", "floating_users",
		"max_borrow_time", "max_consumptions", "total_consumptions", "max_overages"} {
		m[i] = settingField{kind: kindInt, hi: maxInt}
	}
	m["max_transfers"] = settingField{kind: kindInt, lo: -1, hi: maxInt}
	m["floating_timeout"] = settingField{kind: kindInt, lo: 1, hi: maxInt}
	return m
}()

const maxInt = 2147483647

func (a *API) patchLicense(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	ctx := c.r.Context()
	cur, err := a.cat.License(ctx, c.principal.CompanyID, c.ids[0])
	if err != nil {
		return err
	}
	m, err := object(c.r)
	if err != nil {
		return err
	}
	ch, err := licenseChange(m, newLicense(cur))
	if err != nil {
		return err
	}
	if len(ch.Fields) > 0 {
		if err := a.cat.UpdateLicense(ctx, a.actor(c), c.ids[0], ch); err != nil {
			return err
		}
		if cur, err = a.cat.License(ctx, c.principal.CompanyID, c.ids[0]); err != nil {
			return err
		}
	}
	return a.writeJSON(c.w, newLicense(cur))
}

// licenseChange reads a PATCH body against the license as it is: fields
// whose value equals the current one are no change; read-only fields are
// accepted only unchanged (§1.5).
func licenseChange(m map[string]json.RawMessage, cur licenseJSON) (catalog.LicenseChange, error) {
	var ch catalog.LicenseChange
	current := asMap(cur)
	f := newFields(m, "")
	var err error
	if ch.Settings, ch.Fields, err = settingsChange(f, licenseWritable, current); err != nil {
		return ch, err
	}
	if raw, ok := f.raw("customer_id"); ok {
		curID := json.RawMessage("null")
		if cur.Customer != nil {
			curID, _ = json.Marshal(cur.Customer.ID)
		}
		if !bytes.Equal(bytes.TrimSpace(raw), curID) {
			ch.SetCustomer, ch.Fields = true, append(ch.Fields, "customer_id")
			if !isNull(raw) {
				id, _, err := f.integer("customer_id", 1, maxJSInt)
				if err != nil {
					return ch, err
				}
				ch.CustomerID = &id
			}
		}
	}
	if note, ok, err := f.str("note", 4096); err != nil {
		return ch, err
	} else if ok && note != cur.Note {
		return ch, problem.New(problem.CodeUnsupportedField, "note: not stored yet; send \"\"")
	}
	if err := readOnlyUnchanged(f, m, current); err != nil {
		return ch, err
	}
	sort.Strings(ch.Fields)
	return ch, f.done()
}
