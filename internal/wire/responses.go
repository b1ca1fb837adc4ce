package wire

import (
	"encoding/json"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/store"
)

// ProductDetails is the product_details response (license-api.md §5.10).
type ProductDetails struct {
	ProductID           int64                `json:"product_id"`
	ProductName         string               `json:"product_name"`
	ShortCode           string               `json:"short_code"`
	AllowTrial          bool                 `json:"allow_trial"`
	TrialDays           int64                `json:"trial_days"`
	AuthorizationMethod string               `json:"authorization_method"`
	FloatingTimeout     int64                `json:"floating_timeout"`
	AllowOverages       bool                 `json:"allow_overages"`
	MaxOverages         int64                `json:"max_overages"`
	PreventVM           bool                 `json:"prevent_vm"`
	Metadata            json.RawMessage      `json:"metadata"`
	MetadataString      string               `json:"metadata_string"`
	Company             Company              `json:"company"`
	LatestVersion       *json.RawMessage     `json:"latest_version,omitempty"` // null when asked for and none
	CustomFields        []ProductCustomField `json:"custom_fields,omitempty"`
}

// Version is a product version as latest_version shows it.
type Version struct {
	ID               int64   `json:"id"`
	Version          string  `json:"version"`
	FullLink         string  `json:"full_link"`
	Filename         string  `json:"filename"`
	ReleaseDate      *string `json:"release_date"`
	HashMD5          string  `json:"hash_md5"`
	Environment      string  `json:"environment"`
	EulaLink         string  `json:"eula_link"`
	ReleaseNotesLink string  `json:"release_notes_link"`
	Size             string  `json:"size"`
	RequiresVersion  string  `json:"requires_version"`
	Channel          string  `json:"channel"`
	CreatedAt        string  `json:"created_at"`
	UpdatedAt        string  `json:"updated_at"`
	Enabled          bool    `json:"enabled"`
	ProductID        int64   `json:"product_id"`
}

// ProductCustomField is a custom field definition.
type ProductCustomField struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	DefaultValue string `json:"default_value"`
}

// NewProductDetails renders product_details; latest says whether the
// latest version was asked for (then it is an object or null).
func NewProductDetails(d *licensing.ProductDetails, latest bool) (*ProductDetails, error) {
	p := &d.Product
	out := &ProductDetails{ProductID: p.ID, ProductName: p.Name, ShortCode: p.ShortCode, AllowTrial: p.AllowTrial,
		TrialDays: p.TrialDays, AuthorizationMethod: p.AuthorizationMethod, FloatingTimeout: p.FloatingTimeout,
		AllowOverages: p.AllowOverages, MaxOverages: p.MaxOverages, PreventVM: p.PreventVM,
		Metadata: metadata(p.Metadata), MetadataString: string(metadata(p.Metadata)), Company: Company{p.CompanyID}}
	if latest {
		raw := json.RawMessage("null")
		if v := d.LatestVersion; v != nil {
			b, err := json.Marshal(Version{ID: v.ID, Version: v.Version, FullLink: v.FullLink, Filename: v.Filename,
				ReleaseDate: Time(v.ReleaseDate), HashMD5: v.HashMD5, Environment: v.Environment, EulaLink: v.EulaLink,
				ReleaseNotesLink: v.ReleaseNotesLink, Size: v.Size, RequiresVersion: v.RequiresVersion, Channel: v.Channel,
				CreatedAt: *Time(&v.CreatedAt), UpdatedAt: *Time(&v.UpdatedAt), Enabled: v.Enabled, ProductID: v.ProductID})
			if err != nil {
				return nil, err
			}
			raw = b
		}
		out.LatestVersion = &raw
	}
	if d.CustomFields != nil {
		out.CustomFields = make([]ProductCustomField, 0, len(d.CustomFields))
		for _, f := range d.CustomFields {
			out.CustomFields = append(out.CustomFields, ProductCustomField{ID: f.ID, Name: f.Name, DefaultValue: f.DefaultValue})
		}
	}
	return out, nil
}

// FeatureCheck is the check_license_feature response (license-api.md §5.6).
type FeatureCheck struct {
	ID                  int64           `json:"id"`
	LicenseID           int64           `json:"license_id"`
	Code                string          `json:"code"`
	Name                string          `json:"name"`
	FeatureType         string          `json:"feature_type"`
	Company             Company         `json:"company"`
	Metadata            json.RawMessage `json:"metadata"`
	IsFloating          bool            `json:"is_floating"`
	IsFloatingCloud     bool            `json:"is_floating_cloud"`
	ExpiryDate          *string         `json:"expiry_date"`
	*FeatureConsumption                 // consumption features only
	*FeatureSeats                       // floating cloud features only
	// FloatingInUseDevices counts the feature's seats in use (floating
	// cloud features only).
	FloatingInUseDevices *int64 `json:"floating_in_use_devices,omitempty"`
}

// NewFeatureCheck renders check_license_feature; inUse is the seats in use
// of a floating cloud feature, else nil.
func NewFeatureCheck(f *store.LicenseFeature, companyID int64, inUse *int64) *FeatureCheck {
	feat := NewFeature(f)
	return &FeatureCheck{ID: f.ID, LicenseID: f.LicenseID, Code: f.Code, Name: f.Name, FeatureType: f.FeatureType,
		Company: Company{companyID}, Metadata: feat.Metadata, ExpiryDate: feat.ExpiryDate, FeatureConsumption: feat.FeatureConsumption,
		IsFloatingCloud: f.IsFloatingCloud, FeatureSeats: feat.FeatureSeats, FloatingInUseDevices: inUse}
}

// UserLicense is one entry of user_licenses.
type UserLicense struct {
	License *License `json:"license"`
	User    *User    `json:"user"`
}

// CustomerLicenseUsers is the customer_license_users response.
type CustomerLicenseUsers struct {
	Company  Company                `json:"company"`
	Customer Customer               `json:"customer"`
	Users    []CustomerLicenseEntry `json:"users"`
}

// CustomerLicenseEntry is one user of one of the customer's licenses.
type CustomerLicenseEntry struct {
	Email                     string  `json:"email"`
	IsActive                  bool    `json:"is_active"`
	FirstName                 string  `json:"first_name"`
	LastName                  string  `json:"last_name"`
	PhoneNumber               string  `json:"phone_number"`
	IsInitialPassword         bool    `json:"is_initial_password"`
	InitialPassword           *string `json:"initial_password"` // null unless the company exposes them
	MaxActivations            int64   `json:"max_activations"`
	TotalActivations          int64   `json:"total_activations"`
	AllowUnlimitedActivations bool    `json:"allow_unlimited_activations"`
	LicenseID                 int64   `json:"license_id"`
	OrderStoreID              string  `json:"order_store_id"`
	OrderID                   int64   `json:"order_id"`
}

// NewCustomerLicenseUsers renders customer_license_users.
func NewCustomerLicenseUsers(companyID int64, c *store.Customer, rows []licensing.CustomerLicenseUser) *CustomerLicenseUsers {
	out := &CustomerLicenseUsers{Company: Company{companyID}, Customer: customer(c), Users: make([]CustomerLicenseEntry, 0, len(rows))}
	for _, r := range rows {
		out.Users = append(out.Users, CustomerLicenseEntry{Email: r.User.Email, IsActive: r.User.IsActive,
			FirstName: r.User.FirstName, LastName: r.User.LastName, PhoneNumber: r.User.PhoneNumber,
			IsInitialPassword: r.User.IsInitialPassword, InitialPassword: nonEmpty(r.InitialPassword),
			MaxActivations: r.Link.MaxActivations, TotalActivations: r.Link.TotalActivations,
			AllowUnlimitedActivations: r.Link.AllowUnlimitedActivations, LicenseID: r.License.ID,
			OrderStoreID: r.License.OrderStoreID, OrderID: r.License.ID})
	}
	return out
}

// nonEmpty is s, or null when it is empty.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
