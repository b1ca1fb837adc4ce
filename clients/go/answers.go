package licensor

import (
	"encoding/json"
	"time"
)

// TrialRequest asks for a trial license (GET trial_key, license-api.md
// §5.9). Product and HardwareID are required; Email is required for a
// user-based product. Empty fields are not sent.
type TrialRequest struct {
	Product       string
	HardwareID    string
	Email         string
	LicensePolicy string
	FirstName     string
	LastName      string
	Phone         string
	Address       string
	Postcode      string
	State         string
	Country       string
	City          string
	Reference     string
}

// Trial is the answer of TrialKey. When the device already has a trial of
// the product, Existing is set and only LicenseType and LicenseKey (or
// LicenseUser) are known. Activate the trial with ActivateLicense.
type Trial struct {
	Existing    bool
	ID          int64
	LicenseType string
	LicenseKey  string // key-based products
	LicenseUser string // user-based products: the user's email
	// InitialPassword is the new user's password, "" when the trial did not
	// create the user.
	InitialPassword string
	TrialDays       int64
	ValidityPeriod  *time.Time
	MaxActivations  int64
	// Raw is the whole decoded answer.
	Raw map[string]any
}

// ProductDetailsRequest asks for a product's details (GET product_details).
type ProductDetailsRequest struct {
	Product              string
	IncludeLatestVersion bool
	IncludeCustomFields  bool
	// Env filters the latest version by environment.
	Env string
}

// Product is the answer of ProductDetails.
type Product struct {
	ID                  int64
	Name                string
	ShortCode           string
	AllowTrial          bool
	TrialDays           int64
	AuthorizationMethod string // license-key or user
	Metadata            map[string]any
	// LatestVersion is set when it was asked for and there is one.
	LatestVersion *ProductVersion
	// CustomFields are the product's custom fields, when asked for.
	CustomFields []ProductCustomField
	// Raw is the whole decoded answer.
	Raw map[string]any
}

// ProductVersion is a released version of a product.
type ProductVersion struct {
	Version     string
	FullLink    string
	Environment string
	Channel     string
	ReleaseDate *time.Time
	// Raw is the whole decoded version object.
	Raw map[string]any
}

// ProductCustomField is a custom field a product defines.
type ProductCustomField struct {
	ID           int64
	Name         string
	DefaultValue string
}

// UserLicense is one entry of UserLicenses: a license and the user's
// membership of it.
type UserLicense struct {
	License *License
	User    *User
}

// CustomerLicenseUsers is the answer of CustomerLicenseUsers: the users of
// a customer's licenses of a product.
type CustomerLicenseUsers struct {
	// Customer is the customer object as the server sent it.
	Customer map[string]any
	Users    []LicenseUser
	// Raw is the whole decoded answer.
	Raw map[string]any
}

// LicenseUser is one user of one of a customer's licenses.
type LicenseUser struct {
	Email             string
	Active            bool
	FirstName         string
	LastName          string
	PhoneNumber       string
	IsInitialPassword bool
	// InitialPassword is "" unless the company exposes initial passwords
	// and the user has not changed it.
	InitialPassword           string
	MaxActivations            int64
	TotalActivations          int64
	AllowUnlimitedActivations bool
	LicenseID                 int64
	// Raw is the whole decoded user object.
	Raw map[string]any
}

func parseTrial(body []byte) (*Trial, error) {
	var j struct {
		ID              *int64  `json:"id"`
		LicenseType     string  `json:"license_type"`
		LicenseKey      string  `json:"license_key"`
		License         string  `json:"license"`
		LicenseUser     string  `json:"license_user"`
		InitialPassword *string `json:"initial_password"`
		TrialDays       int64   `json:"trial_days"`
		ValidityPeriod  *string `json:"validity_period"`
		MaxActivations  int64   `json:"max_activations"`
	}
	var raw map[string]any
	if json.Unmarshal(body, &j) != nil || json.Unmarshal(body, &raw) != nil || raw == nil {
		return nil, unexpected("the answer is not a trial")
	}
	t := &Trial{Existing: j.ID == nil, LicenseType: j.LicenseType, LicenseKey: j.LicenseKey, LicenseUser: j.LicenseUser,
		TrialDays: j.TrialDays, MaxActivations: j.MaxActivations, Raw: raw}
	if j.ID != nil {
		t.ID = *j.ID
	}
	if t.LicenseKey == "" {
		t.LicenseKey = j.License
	}
	if j.InitialPassword != nil {
		t.InitialPassword = *j.InitialPassword
	}
	var err error
	if t.ValidityPeriod, err = parseTime("validity_period", j.ValidityPeriod); err != nil {
		return nil, err
	}
	return t, nil
}

func parseProduct(body []byte) (*Product, error) {
	var j struct {
		ProductID           int64  `json:"product_id"`
		ProductName         string `json:"product_name"`
		ShortCode           string `json:"short_code"`
		AllowTrial          bool   `json:"allow_trial"`
		TrialDays           int64  `json:"trial_days"`
		AuthorizationMethod string `json:"authorization_method"`
		LatestVersion       *struct {
			Version     string  `json:"version"`
			FullLink    string  `json:"full_link"`
			Environment string  `json:"environment"`
			Channel     string  `json:"channel"`
			ReleaseDate *string `json:"release_date"`
		} `json:"latest_version"`
		CustomFields []struct {
			ID           int64  `json:"id"`
			Name         string `json:"name"`
			DefaultValue string `json:"default_value"`
		} `json:"custom_fields"`
	}
	var raw map[string]any
	if json.Unmarshal(body, &j) != nil || json.Unmarshal(body, &raw) != nil || raw == nil {
		return nil, unexpected("the answer is not a product")
	}
	p := &Product{ID: j.ProductID, Name: j.ProductName, ShortCode: j.ShortCode, AllowTrial: j.AllowTrial,
		TrialDays: j.TrialDays, AuthorizationMethod: j.AuthorizationMethod, Metadata: object(raw["metadata"]), Raw: raw}
	if v := j.LatestVersion; v != nil {
		rd, err := parseTime("release_date", v.ReleaseDate)
		if err != nil {
			return nil, err
		}
		p.LatestVersion = &ProductVersion{Version: v.Version, FullLink: v.FullLink, Environment: v.Environment,
			Channel: v.Channel, ReleaseDate: rd, Raw: object(raw["latest_version"])}
	}
	for _, f := range j.CustomFields {
		p.CustomFields = append(p.CustomFields, ProductCustomField{ID: f.ID, Name: f.Name, DefaultValue: f.DefaultValue})
	}
	return p, nil
}

func parseUserLicenses(body []byte) ([]UserLicense, error) {
	var entries []struct {
		License json.RawMessage `json:"license"`
		User    json.RawMessage `json:"user"`
	}
	if json.Unmarshal(body, &entries) != nil || entries == nil {
		return nil, unexpected("the answer is not a list of user licenses")
	}
	out := make([]UserLicense, 0, len(entries))
	for _, e := range entries {
		l, err := parseLicense(e.License)
		if err != nil {
			return nil, err
		}
		var uj userJSON
		var raw map[string]any
		if json.Unmarshal(e.User, &uj) != nil || json.Unmarshal(e.User, &raw) != nil || raw == nil {
			return nil, unexpected("a user license has no user object")
		}
		out = append(out, UserLicense{License: l, User: newUser(&uj, raw)})
	}
	return out, nil
}

func parseLicenseList(body []byte) ([]*License, error) {
	var objs []json.RawMessage
	if json.Unmarshal(body, &objs) != nil || objs == nil {
		return nil, unexpected("the answer is not a list of License objects")
	}
	out := make([]*License, 0, len(objs))
	for _, o := range objs {
		l, err := parseLicense(o)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

func parseCustomerLicenseUsers(body []byte) (*CustomerLicenseUsers, error) {
	var j struct {
		Users []struct {
			Email                     string  `json:"email"`
			IsActive                  bool    `json:"is_active"`
			FirstName                 string  `json:"first_name"`
			LastName                  string  `json:"last_name"`
			PhoneNumber               string  `json:"phone_number"`
			IsInitialPassword         bool    `json:"is_initial_password"`
			InitialPassword           *string `json:"initial_password"`
			MaxActivations            int64   `json:"max_activations"`
			TotalActivations          int64   `json:"total_activations"`
			AllowUnlimitedActivations bool    `json:"allow_unlimited_activations"`
			LicenseID                 int64   `json:"license_id"`
		} `json:"users"`
	}
	var raw map[string]any
	if json.Unmarshal(body, &j) != nil || json.Unmarshal(body, &raw) != nil || raw == nil {
		return nil, unexpected("the answer is not a customer's license users")
	}
	out := &CustomerLicenseUsers{Customer: object(raw["customer"]), Users: make([]LicenseUser, 0, len(j.Users)), Raw: raw}
	rawUsers, _ := raw["users"].([]any)
	for i, u := range j.Users {
		lu := LicenseUser{Email: u.Email, Active: u.IsActive, FirstName: u.FirstName, LastName: u.LastName,
			PhoneNumber: u.PhoneNumber, IsInitialPassword: u.IsInitialPassword, MaxActivations: u.MaxActivations,
			TotalActivations: u.TotalActivations, AllowUnlimitedActivations: u.AllowUnlimitedActivations, LicenseID: u.LicenseID}
		if u.InitialPassword != nil {
			lu.InitialPassword = *u.InitialPassword
		}
		if i < len(rawUsers) {
			lu.Raw = object(rawUsers[i])
		}
		out.Users = append(out.Users, lu)
	}
	return out, nil
}
