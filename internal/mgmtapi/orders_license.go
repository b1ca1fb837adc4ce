package mgmtapi

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/problem"
)

// orderLicenseFields are a create_order license's settings: the PATCH
// licenses fields plus max_license_users and license_type defaults.
func readOrderLicense(raw json.RawMessage, path string) (catalog.OrderLicense, error) {
	l := catalog.OrderLicense{Path: path}
	f, err := subObject(raw, path)
	if err != nil {
		return l, err
	}
	if l.Key, _, err = f.str("key", 128); err != nil {
		return l, err
	}
	if l.Settings, _, err = settingsChange(f, licenseWritable, nil); err != nil {
		return l, err
	}
	if note, _, err := f.str("note", 4096); err != nil {
		return l, err
	} else if note != "" {
		return l, problem.Newf(problem.CodeUnsupportedField, "%s.note: not stored yet; send \"\"", path)
	}
	if err := neutral(f, map[string]string{"policy_code": "null", "license_template_code": "null", "license_template": "null",
		"is_air_gapped": "false", "is_hardware_key_auth": "false", "is_floating": "false"}); err != nil {
		return l, err
	}
	if _, ok := f.raw("maintenance_duration"); ok {
		return l, problem.Newf(problem.CodeUnsupportedField, "%s.maintenance_duration: set maintenance_period instead", path)
	}
	if raw, ok := f.raw("users"); ok {
		var users []json.RawMessage
		if json.Unmarshal(raw, &users) != nil || len(users) < 1 || len(users) > 100 {
			return l, f.bad("users", "an array of 1 to 100 users")
		}
		for i, u := range users {
			ou, err := readOrderUser(u, fmt.Sprintf("%s.users[%d]", path, i))
			if err != nil {
				return l, err
			}
			l.Users = append(l.Users, ou)
		}
	}
	if raw, ok := f.raw("product_features"); ok {
		var fs []json.RawMessage
		if json.Unmarshal(raw, &fs) != nil || len(fs) > 100 {
			return l, f.bad("product_features", "an array of at most 100 features")
		}
		for i, fr := range fs {
			o, err := readOverride(fr, fmt.Sprintf("%s.product_features[%d]", path, i))
			if err != nil {
				return l, err
			}
			l.Features = append(l.Features, o)
		}
	}
	if raw, ok := f.raw("custom_fields"); ok {
		var cs []json.RawMessage
		if json.Unmarshal(raw, &cs) != nil || len(cs) > 100 {
			return l, f.bad("custom_fields", "an array of at most 100 fields")
		}
		l.CustomFields = map[string]string{}
		for i, cr := range cs {
			cf, err := subObject(cr, fmt.Sprintf("%s.custom_fields[%d]", path, i))
			if err != nil {
				return l, err
			}
			name, _, err := cf.str("name", 255)
			if err != nil {
				return l, err
			}
			value, _, err := cf.str("value", 4096)
			if err != nil {
				return l, err
			}
			if err := cf.done(); err != nil {
				return l, err
			}
			l.CustomFields[name] = value
		}
	}
	return l, f.done()
}

// featureOverride are the limits create_order may set on a license's copy
// of a feature, as `licensor license feature set` takes them.
var featureOverride = map[string]settingField{
	"expiry_date": {kind: kindDate}, "max_consumption": {kind: kindInt, hi: maxInt}, "total_consumptions": {kind: kindInt, hi: maxInt},
	"allow_unlimited_consumptions": {kind: kindBool}, "allow_negative_consumptions": {kind: kindBool}, "allow_overages": {kind: kindBool},
	"max_overages": {kind: kindInt, hi: maxInt}, "reset_consumption": {kind: kindBool},
	"consumption_period": {kind: kindString, nullable: true},
}

func readOverride(raw json.RawMessage, path string) (catalog.FeatureOverride, error) {
	var o catalog.FeatureOverride
	f, err := subObject(raw, path)
	if err != nil {
		return o, err
	}
	if o.Code, _, err = f.str("code", 128); err != nil {
		return o, err
	}
	if o.Code == "" {
		return o, problem.Newf(problem.CodeMissingParameters, "%s.code: required", path)
	}
	if o.Settings, _, err = settingsChange(f, featureOverride, nil); err != nil {
		return o, err
	}
	return o, f.done()
}

func readOrderUser(raw json.RawMessage, path string) (catalog.OrderUser, error) {
	var u catalog.OrderUser
	f, err := subObject(raw, path)
	if err != nil {
		return u, err
	}
	email, _, err := f.str("email", 254)
	if err != nil {
		return u, err
	}
	if u.Email = strings.TrimSpace(email); u.Email == "" {
		return u, problem.Newf(problem.CodeMissingParameters, "%s.email: required", path)
	}
	if err := checkEmail(u.Email); err != nil {
		return u, f.bad("email", err.Error())
	}
	for name, dst := range map[string]*string{"first_name": &u.FirstName, "last_name": &u.LastName, "phone_number": &u.Phone} {
		if *dst, _, err = f.str(name, 255); err != nil {
			return u, err
		}
	}
	if u.Password, _, err = f.str("password", 1024); err != nil {
		return u, err
	}
	if v, ok, err := f.integer("max_activations", 0, maxInt); err != nil {
		return u, err
	} else if ok {
		u.MaxActivations = &v
	}
	if err := neutral(f, map[string]string{"is_manager": "false"}); err != nil {
		return u, err
	}
	return u, f.done()
}
