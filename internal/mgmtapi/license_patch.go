package mgmtapi

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strconv"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/problem"
)

// The writable fields of PATCH licenses/{id}/ (management-api.md §5.5) by
// how their JSON value is read; each becomes a `license set` setting.
var (
	patchBools = []string{"enabled", "is_trial", "enable_maintenance_period", "allow_grace_period", "allow_unlimited_activations",
		"prevent_vm", "allow_offline_activation", "is_floating_cloud", "can_borrow", "allow_unlimited_consumptions",
		"allow_negative_consumptions", "allow_overages", "reset_consumption"}
	patchInts = map[string][2]int64{"trial_days": {0, maxInt}, "grace_period": {0, maxInt}, "max_activations": {0, maxInt},
		"max_transfers": {-1, maxInt}, "max_license_users": {0, maxInt}, "floating_users": {0, maxInt}, "floating_timeout": {1, maxInt},
		"max_borrow_time": {0, maxInt}, "max_consumptions": {0, maxInt}, "total_consumptions": {0, maxInt}, "max_overages": {0, maxInt}}
	patchDates   = []string{"start_date", "validity_period", "maintenance_period"}
	patchStrings = []string{"license_type", "valid_duration", "consumption_period"}
)

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
	current := map[string]json.RawMessage{}
	b, _ := json.Marshal(cur)
	_ = json.Unmarshal(b, &current)
	f := newFields(m, "")
	set := func(name, text string, asJSON any) {
		now, _ := json.Marshal(asJSON)
		if bytes.Equal(bytes.TrimSpace(current[name]), now) {
			return
		}
		ch.Settings = append(ch.Settings, name+"="+text)
		ch.Fields = append(ch.Fields, name)
	}
	for _, name := range patchBools {
		if v, ok, err := f.boolean(name); err != nil {
			return ch, err
		} else if ok {
			set(name, strconv.FormatBool(v), v)
		}
	}
	for name, r := range patchInts {
		if v, ok, err := f.integer(name, r[0], r[1]); err != nil {
			return ch, err
		} else if ok {
			set(name, strconv.FormatInt(v, 10), v)
		}
	}
	for _, name := range patchDates {
		raw, ok := f.raw(name)
		switch {
		case !ok:
		case isNull(raw):
			set(name, "null", nil)
		default:
			s, _, err := f.str(name, 64)
			if err != nil {
				return ch, err
			}
			t, err := parseDate(s)
			if err != nil {
				return ch, f.bad(name, "must be YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or RFC 3339")
			}
			set(name, t.Format("2006-01-02T15:04:05.000Z07:00"), ts(t))
		}
	}
	for _, name := range patchStrings {
		raw, ok := f.raw(name)
		switch {
		case !ok:
		case isNull(raw) && name == "consumption_period":
			set(name, "null", nil)
		default:
			s, _, err := f.str(name, 32)
			if err != nil {
				return ch, err
			}
			set(name, s, s)
		}
	}
	if raw, ok := f.raw("metadata"); ok {
		text := string(raw)
		var s string
		if json.Unmarshal(raw, &s) == nil {
			text = s // LicenseSpring documents metadata as a serialized string
		}
		canon, err := licensing.CanonicalMetadata(text)
		if err != nil || len(canon) > 16<<10 {
			return ch, f.bad("metadata", "must be a JSON object (at most 16 KiB)")
		}
		set("metadata", canon, json.RawMessage(canon))
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
	// Read-only fields may be sent back unchanged.
	for name := range m {
		if f.read[name] {
			continue
		}
		if v, ok := current[name]; ok && !slices.Contains(writable, name) {
			f.read[name] = true
			if !jsonEqual(v, m[name]) {
				return ch, f.bad(name, "read-only field")
			}
		}
	}
	sort.Strings(ch.Fields)
	return ch, f.done()
}

// writable lists every field a PATCH may change.
var writable = func() []string {
	w := append(append(append(slices.Clone(patchBools), patchDates...), patchStrings...), "metadata", "customer_id", "note")
	for name := range patchInts {
		w = append(w, name)
	}
	return w
}()

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}
