package licensing

import (
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/store"
)

// A vendor changes products, licenses and license features with key=value
// settings (the CLI's `set` commands and trailing arguments of `create`).
// Each table below is the complete list of what may be set, with how the
// text value is read; a key not listed is refused.

type kind int

const (
	kindText kind = iota
	kindBool
	kindInt
	kindTime     // RFC 3339, or "null"
	kindJSON     // a JSON object
	kindEnum     // one of enum, or "null" when nullable
	kindDuration // "30d", "1y"…, or ""
)

type setting struct {
	column   string
	kind     kind
	min      int64    // kindInt
	enum     []string // kindEnum
	nullable bool
	help     string
}

var (
	licenseTypes       = []string{store.LicensePerpetual, store.LicenseTimeLimited, store.LicenseSubscription, store.LicenseConsumption}
	consumptionPeriods = []string{"daily", "weekly", "monthly", "annually"}
)

var productSettings = map[string]setting{
	"name":                  {column: "name", kind: kindText, help: "product name"},
	"allow_trial":           {column: "allow_trial", kind: kindBool, help: "GET trial_key may issue trials"},
	"trial_days":            {column: "trial_days", kind: kindInt, help: "length of a trial"},
	"trial_max_activations": {column: "trial_max_activations", kind: kindInt, min: 1, help: "devices per trial license"},
	"default_license_type":  {column: "default_license_type", kind: kindEnum, enum: licenseTypes, help: "type of trial licenses"},
	"max_activations":       {column: "max_activations", kind: kindInt, help: "default max activations of new licenses"},
	"prevent_vm":            {column: "prevent_vm", kind: kindBool, help: "refuse activation on virtual machines"},
	"is_disabled":           {column: "is_disabled", kind: kindBool, help: "answers disabled_product"},
	"is_archived":           {column: "is_archived", kind: kindBool, help: "answers archived_product"},
	"floating_timeout":      {column: "floating_timeout", kind: kindInt, min: 1, help: "minutes"},
	"allow_overages":        {column: "allow_overages", kind: kindBool},
	"max_overages":          {column: "max_overages", kind: kindInt},
	"metadata":              {column: "metadata", kind: kindJSON, help: "a JSON object"},
}

// consumptionSettings are the consumption counters and limits that
// licenses and their features both have (the limit itself is named
// max_consumptions on a license, max_consumption on a feature).
var consumptionSettings = map[string]setting{
	"total_consumptions":           {column: "total_consumptions", kind: kindInt},
	"allow_unlimited_consumptions": {column: "allow_unlimited_consumptions", kind: kindBool},
	"allow_negative_consumptions":  {column: "allow_negative_consumptions", kind: kindBool},
	"allow_overages":               {column: "allow_overages", kind: kindBool},
	"max_overages":                 {column: "max_overages", kind: kindInt},
	"reset_consumption":            {column: "reset_consumption", kind: kindBool},
	"consumption_period":           {column: "consumption_period", kind: kindEnum, enum: consumptionPeriods, nullable: true},
}

// with returns m plus the entries of more.
func with(m map[string]setting, more map[string]setting) map[string]setting {
	for k, v := range more {
		m[k] = v
	}
	return m
}

var licenseSettings = with(map[string]setting{
	"enabled":                     {column: "enabled", kind: kindBool},
	"license_type":                {column: "license_type", kind: kindEnum, enum: licenseTypes},
	"is_trial":                    {column: "is_trial", kind: kindBool},
	"trial_days":                  {column: "trial_days", kind: kindInt},
	"start_date":                  {column: "start_date", kind: kindTime, nullable: true, help: "not valid before (RFC 3339)"},
	"validity_period":             {column: "validity_period", kind: kindTime, nullable: true, help: "expiry (RFC 3339), null for none"},
	"valid_duration":              {column: "valid_duration", kind: kindDuration, help: "expiry set at first activation: 30d, 12h, 2w, 6m, 1y"},
	"enable_maintenance_period":   {column: "enable_maintenance_period", kind: kindBool},
	"maintenance_period":          {column: "maintenance_period", kind: kindTime, nullable: true},
	"allow_grace_period":          {column: "allow_grace_period", kind: kindBool},
	"grace_period":                {column: "grace_period", kind: kindInt, help: "hours a subscription keeps working after expiry"},
	"max_activations":             {column: "max_activations", kind: kindInt},
	"allow_unlimited_activations": {column: "allow_unlimited_activations", kind: kindBool},
	"max_transfers":               {column: "max_transfers", kind: kindInt, min: -1, help: "-1 no transfers, 0 unlimited, N at most N"},
	"prevent_vm":                  {column: "prevent_vm", kind: kindBool},
	"max_license_users":           {column: "max_license_users", kind: kindInt, help: "0: unlimited"},
	"order_store_id":              {column: "order_store_id", kind: kindText},
	"metadata":                    {column: "metadata", kind: kindJSON},
	"max_consumptions":            {column: "max_consumptions", kind: kindInt},
	"allow_offline_activation":    {column: "allow_offline_activation", kind: kindBool},
	"is_hardware_key_auth":        {column: "is_hardware_key_auth", kind: kindBool},
	"is_floating_cloud":           {column: "is_floating_cloud", kind: kindBool, help: "seats shared by devices, taken by checks"},
	"floating_users":              {column: "floating_users", kind: kindInt, help: "floating cloud seats"},
	"floating_timeout":            {column: "floating_timeout", kind: kindInt, min: 1, help: "minutes a seat is kept without a check"},
	"can_borrow":                  {column: "can_borrow", kind: kindBool},
	"max_borrow_time":             {column: "max_borrow_time", kind: kindInt, help: "hours a seat may be borrowed"},
}, consumptionSettings)

var featureSettings = with(map[string]setting{
	"expiry_date":       {column: "expiry_date", kind: kindTime, nullable: true},
	"max_consumption":   {column: "max_consumption", kind: kindInt},
	"is_floating_cloud": {column: "is_floating_cloud", kind: kindBool, help: "seats of the feature, taken by check_license_feature"},
	"floating_users":    {column: "floating_users", kind: kindInt, help: "the feature's floating seats"},
	"floating_timeout":  {column: "floating_timeout", kind: kindInt, min: 1, help: "minutes a feature seat is kept without a check"},
}, consumptionSettings)

// SettingNames lists the keys of a settings table, for help texts.
func SettingNames(table string) []string {
	m := map[string]map[string]setting{"product": productSettings, "license": licenseSettings, "feature": featureSettings}[table]
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// parseSettings turns key=value pairs into column assignments, refusing
// unknown keys and bad values before anything is written.
func parseSettings(table map[string]setting, what string, pairs []string) ([]store.Column, error) {
	var cols []store.Column
	seen := map[string]bool{}
	for _, pair := range pairs {
		k, v, ok := strings.Cut(pair, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q is not key=value", pair)
		}
		s, ok := table[k]
		if !ok {
			names := make([]string, 0, len(table))
			for n := range table {
				names = append(names, n)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("unknown %s setting %q (known: %s)", what, k, strings.Join(names, ", "))
		}
		if seen[k] {
			return nil, fmt.Errorf("%s is given twice", k)
		}
		seen[k] = true
		val, err := s.parse(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		cols = append(cols, store.Column{Name: s.column, Value: val})
	}
	return cols, nil
}

func (s setting) parse(v string) (any, error) {
	if s.nullable && v == "null" {
		switch s.kind {
		case kindTime:
			return sql.NullInt64{}, nil
		default:
			return sql.NullString{}, nil
		}
	}
	switch s.kind {
	case kindText:
		if strings.TrimSpace(v) == "" && s.column == "name" {
			return nil, fmt.Errorf("cannot be empty")
		}
		return v, nil
	case kindBool:
		return parseBool(v)
	case kindInt:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < s.min {
			return nil, fmt.Errorf("%q is not an integer >= %d", v, s.min)
		}
		return n, nil
	case kindTime:
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, fmt.Errorf("%q is not an RFC 3339 time such as 2031-03-04T00:00:00Z", v)
		}
		return t.UTC().UnixMilli(), nil
	case kindJSON:
		return CanonicalMetadata(v)
	case kindEnum:
		if !slices.Contains(s.enum, v) {
			return nil, fmt.Errorf("%q is not one of %s", v, strings.Join(s.enum, ", "))
		}
		return v, nil
	case kindDuration:
		if v == "" {
			return "", nil
		}
		if _, err := parseDuration(time.Now(), v); err != nil {
			return nil, err
		}
		return v, nil
	}
	return nil, fmt.Errorf("unsupported setting kind")
}

// LicenseColumns reads license settings (key=value, as `licensor license
// set` takes them) into the columns to write, for the vendor operations
// that change licenses.
func LicenseColumns(pairs []string) ([]store.Column, error) {
	return parseSettings(licenseSettings, "license", pairs)
}

// ProductColumns reads product settings (key=value, as `licensor product
// set` takes them) into the columns to write.
func ProductColumns(pairs []string) ([]store.Column, error) {
	return parseSettings(productSettings, "product", pairs)
}

// ValidShortCode reports whether code can be a product's short code.
func ValidShortCode(code string) bool { return shortCodeRE.MatchString(code) }
