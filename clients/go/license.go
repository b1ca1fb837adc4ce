package licensor

import (
	"encoding/json"
	"time"
)

// License is a License object (license-api.md §4): what activate, check,
// the bundle calls, user_licenses and device_licenses answer.
type License struct {
	ID          int64
	LicenseKey  string // "" for a user-based license
	LicenseType string // perpetual, time-limited, subscription or consumption
	Enabled     bool   // license_enabled: the vendor's switch
	Active      bool   // license_active (or, where absent, active)
	Expired     bool   // is_expired, as the server computed it
	Trial       bool   // is_trial
	// ValidityPeriod is the expiry; nil means none.
	ValidityPeriod *time.Time
	// StartDate is when the license becomes valid; nil means at once.
	StartDate *time.Time
	// AllowGracePeriod and GracePeriod: an expired license keeps working
	// GracePeriod longer when AllowGracePeriod is set.
	AllowGracePeriod          bool
	GracePeriod               time.Duration
	MaxActivations            int64
	AllowUnlimitedActivations bool
	TimesActivated            int64
	// Floating cloud licenses (license-api.md §5.12): FloatingUsers seats,
	// each kept FloatingTimeout after the device's last check.
	IsFloatingCloud      bool
	FloatingUsers        int64
	FloatingTimeout      time.Duration
	FloatingInUseDevices int64
	CanBorrow            bool
	MaxBorrowTime        time.Duration
	// Consumption licenses (license-api.md §5.7).
	MaxConsumptions            int64
	TotalConsumptions          int64
	AllowUnlimitedConsumptions bool
	AllowOverages              bool
	MaxOverages                int64
	Features                   []Feature
	CustomFields               []CustomField
	Metadata                   map[string]any
	// User is the license user of a user-based license, when the answer
	// names one.
	User *User
	// ProductCode is product_details.short_code.
	ProductCode string
	// Raw is the whole decoded License object.
	Raw map[string]any
}

// Feature is a feature of a license (product_features, or the answer of
// CheckLicenseFeature).
type Feature struct {
	ID   int64
	Code string
	Name string
	Type string // activation or consumption
	// ExpiryDate is when the feature stops; nil means never.
	ExpiryDate *time.Time
	// Consumption counters (consumption features).
	MaxConsumption             int64
	TotalConsumptions          int64
	AllowUnlimitedConsumptions bool
	AllowOverages              bool
	MaxOverages                int64
	Metadata                   map[string]any
	// Raw is the whole decoded feature object.
	Raw map[string]any
}

// Expired reports whether the feature is past its expiry date at now.
func (f *Feature) Expired(now time.Time) bool {
	return f.ExpiryDate != nil && !now.Before(*f.ExpiryDate)
}

// CustomField is a custom field of a license.
type CustomField struct {
	Name     string
	DataType string // number, text, date/time, or ""
	Value    string
}

// User is a license user.
type User struct {
	ID                        int64
	Email                     string
	FirstName                 string
	LastName                  string
	PhoneNumber               string
	IsInitialPassword         bool
	MaxActivations            int64
	AllowUnlimitedActivations bool
	TotalActivations          int64
	// Raw is the whole decoded user object.
	Raw map[string]any
}

type licenseJSON struct {
	ID                        int64   `json:"id"`
	LicenseKey                *string `json:"license_key"`
	LicenseType               string  `json:"license_type"`
	IsTrial                   bool    `json:"is_trial"`
	LicenseEnabled            bool    `json:"license_enabled"`
	LicenseActive             *bool   `json:"license_active"`
	Active                    bool    `json:"active"`
	IsExpired                 bool    `json:"is_expired"`
	StartDate                 *string `json:"start_date"`
	ValidityPeriod            *string `json:"validity_period"`
	AllowGracePeriod          bool    `json:"allow_grace_period"`
	GracePeriod               int64   `json:"grace_period"`
	MaxActivations            int64   `json:"max_activations"`
	AllowUnlimitedActivations bool    `json:"allow_unlimited_activations"`
	TimesActivated            int64   `json:"times_activated"`
	IsFloatingCloud           bool    `json:"is_floating_cloud"`
	FloatingUsers             int64   `json:"floating_users"`
	FloatingTimeout           int64   `json:"floating_timeout"`
	FloatingInUseDevices      int64   `json:"floating_in_use_devices"`
	CanBorrow                 bool    `json:"can_borrow"`
	MaxBorrowTime             int64   `json:"max_borrow_time"`
	consumptionJSON
	ProductFeatures []featureJSON `json:"product_features"`
	CustomFields    []customJSON  `json:"custom_fields"`
	User            *userJSON     `json:"user"`
	ProductDetails  *struct {
		Code string `json:"short_code"`
	} `json:"product_details"`
}

// consumptionJSON are the consumption counters of a license and of the
// add_consumption answer.
type consumptionJSON struct {
	MaxConsumptions            int64 `json:"max_consumptions"`
	TotalConsumptions          int64 `json:"total_consumptions"`
	AllowUnlimitedConsumptions bool  `json:"allow_unlimited_consumptions"`
	AllowOverages              bool  `json:"allow_overages"`
	MaxOverages                int64 `json:"max_overages"`
}

type featureJSON struct {
	ID                         int64   `json:"id"`
	Code                       string  `json:"code"`
	Name                       string  `json:"name"`
	FeatureType                string  `json:"feature_type"`
	ExpiryDate                 *string `json:"expiry_date"`
	MaxConsumption             int64   `json:"max_consumption"`
	TotalConsumptions          int64   `json:"total_consumptions"`
	AllowUnlimitedConsumptions bool    `json:"allow_unlimited_consumptions"`
	AllowOverages              bool    `json:"allow_overages"`
	MaxOverages                int64   `json:"max_overages"`
}

type customJSON struct {
	Name     string  `json:"name"`
	DataType *string `json:"data_type"`
	Value    string  `json:"value"`
}

type userJSON struct {
	ID                        int64  `json:"id"`
	Email                     string `json:"email"`
	FirstName                 string `json:"first_name"`
	LastName                  string `json:"last_name"`
	PhoneNumber               string `json:"phone_number"`
	IsInitialPassword         bool   `json:"is_initial_password"`
	MaxActivations            int64  `json:"max_activations"`
	AllowUnlimitedActivations bool   `json:"allow_unlimited_activations"`
	TotalActivations          int64  `json:"total_activations"`
}

// parseLicense decodes one License object.
func parseLicense(obj json.RawMessage) (*License, error) {
	var j licenseJSON
	var raw map[string]any
	if json.Unmarshal(obj, &j) != nil || json.Unmarshal(obj, &raw) != nil || raw == nil {
		return nil, unexpected("the answer is not a License object")
	}
	l := &License{ID: j.ID, LicenseType: j.LicenseType, Enabled: j.LicenseEnabled, Active: j.Active,
		Expired: j.IsExpired, Trial: j.IsTrial, AllowGracePeriod: j.AllowGracePeriod,
		GracePeriod: time.Duration(j.GracePeriod) * time.Hour, MaxActivations: j.MaxActivations,
		AllowUnlimitedActivations: j.AllowUnlimitedActivations, TimesActivated: j.TimesActivated,
		IsFloatingCloud: j.IsFloatingCloud, FloatingUsers: j.FloatingUsers,
		FloatingTimeout: time.Duration(j.FloatingTimeout) * time.Minute, FloatingInUseDevices: j.FloatingInUseDevices,
		CanBorrow: j.CanBorrow, MaxBorrowTime: time.Duration(j.MaxBorrowTime) * time.Hour,
		MaxConsumptions: j.MaxConsumptions, TotalConsumptions: j.TotalConsumptions,
		AllowUnlimitedConsumptions: j.AllowUnlimitedConsumptions, AllowOverages: j.AllowOverages, MaxOverages: j.MaxOverages,
		Metadata: object(raw["metadata"]), Raw: raw}
	if j.LicenseKey != nil {
		l.LicenseKey = *j.LicenseKey
	}
	if j.LicenseActive != nil {
		l.Active = *j.LicenseActive
	}
	var err error
	if l.ValidityPeriod, err = parseTime("validity_period", j.ValidityPeriod); err != nil {
		return nil, err
	}
	if l.StartDate, err = parseTime("start_date", j.StartDate); err != nil {
		return nil, err
	}
	rawFeatures, _ := raw["product_features"].([]any)
	for i, fj := range j.ProductFeatures {
		var fraw map[string]any
		if i < len(rawFeatures) {
			fraw, _ = rawFeatures[i].(map[string]any)
		}
		f, err := newFeature(fj, fraw)
		if err != nil {
			return nil, err
		}
		l.Features = append(l.Features, *f)
	}
	for _, c := range j.CustomFields {
		cf := CustomField{Name: c.Name, Value: c.Value}
		if c.DataType != nil {
			cf.DataType = *c.DataType
		}
		l.CustomFields = append(l.CustomFields, cf)
	}
	if j.User != nil {
		l.User = newUser(j.User, object(raw["user"]))
	}
	if j.ProductDetails != nil {
		l.ProductCode = j.ProductDetails.Code
	}
	return l, nil
}

// parseFeature decodes a feature object (check_license_feature).
func parseFeature(body []byte) (*Feature, error) {
	var j featureJSON
	var raw map[string]any
	if json.Unmarshal(body, &j) != nil || json.Unmarshal(body, &raw) != nil || raw == nil {
		return nil, unexpected("the answer is not a feature object")
	}
	return newFeature(j, raw)
}

func newFeature(j featureJSON, raw map[string]any) (*Feature, error) {
	exp, err := parseTime("expiry_date", j.ExpiryDate)
	if err != nil {
		return nil, err
	}
	return &Feature{ID: j.ID, Code: j.Code, Name: j.Name, Type: j.FeatureType, ExpiryDate: exp,
		MaxConsumption: j.MaxConsumption, TotalConsumptions: j.TotalConsumptions,
		AllowUnlimitedConsumptions: j.AllowUnlimitedConsumptions, AllowOverages: j.AllowOverages,
		MaxOverages: j.MaxOverages, Metadata: object(raw["metadata"]), Raw: raw}, nil
}

func newUser(j *userJSON, raw map[string]any) *User {
	return &User{ID: j.ID, Email: j.Email, FirstName: j.FirstName, LastName: j.LastName, PhoneNumber: j.PhoneNumber,
		IsInitialPassword: j.IsInitialPassword, MaxActivations: j.MaxActivations,
		AllowUnlimitedActivations: j.AllowUnlimitedActivations, TotalActivations: j.TotalActivations, Raw: raw}
}

// object is v as a JSON object, nil if it is not one.
func object(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// parseTime reads an optional ISO 8601 time or date of the answer.
func parseTime(field string, s *string) (*time.Time, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, *s); err == nil {
			return &t, nil
		}
	}
	return nil, unexpected(field + " is not an ISO 8601 time: " + *s)
}
