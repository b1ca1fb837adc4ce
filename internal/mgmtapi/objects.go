package mgmtapi

import (
	"encoding/json"
	"time"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/signing"
	"github.com/licensor/licensor/internal/store"
)

// The objects of management-api.md §4, fields in the order licensor
// emits them.

func ts(t time.Time) string { return signing.FormatTime(t) }

func tsPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := ts(*t)
	return &s
}

func meta(text string) json.RawMessage {
	if text == "" || !json.Valid([]byte(text)) {
		return json.RawMessage("{}")
	}
	return json.RawMessage(text)
}

type productRef struct {
	ID                  int64  `json:"id"`
	ShortCode           string `json:"short_code"`
	ProductName         string `json:"product_name"`
	AuthorizationMethod string `json:"authorization_method"`
}

type customerJSON struct {
	ID              int64           `json:"id"`
	Email           string          `json:"email"`
	FirstName       string          `json:"first_name"`
	LastName        string          `json:"last_name"`
	CompanyName     string          `json:"company_name"`
	Phone           string          `json:"phone"`
	Reference       string          `json:"reference"`
	Address         string          `json:"address"`
	City            string          `json:"city"`
	Postcode        string          `json:"postcode"`
	State           string          `json:"state"`
	Country         string          `json:"country"`
	CustomerAccount any             `json:"customer_account"`
	Metadata        json.RawMessage `json:"metadata"`
	CreatedAt       string          `json:"created_at"`
}

func newCustomer(c *store.Customer) *customerJSON {
	if c == nil {
		return nil
	}
	return &customerJSON{ID: c.ID, Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, CompanyName: c.CompanyName,
		Phone: c.Phone, Reference: c.Reference, Address: c.Address, City: c.City, Postcode: c.Postcode, State: c.State,
		Country: c.Country, Metadata: meta(c.Metadata), CreatedAt: ts(c.CreatedAt)}
}

type licenseUserJSON struct {
	ID                        int64  `json:"id"`
	Email                     string `json:"email"`
	TrueEmail                 string `json:"true_email"`
	FirstName                 string `json:"first_name"`
	LastName                  string `json:"last_name"`
	PhoneNumber               string `json:"phone_number"`
	IsActive                  bool   `json:"is_active"`
	IsInitialPassword         bool   `json:"is_initial_password"`
	InitialPassword           string `json:"initial_password"`
	MaxActivations            int64  `json:"max_activations"`
	AllowUnlimitedActivations bool   `json:"allow_unlimited_activations"`
	TotalActivations          int64  `json:"total_activations"`
}

type featureRef struct {
	ID          int64  `json:"id"`
	Code        string `json:"code"`
	Name        string `json:"name"`
	FeatureType string `json:"feature_type"`
}

type licenseFeatureJSON struct {
	ID                         int64      `json:"id"`
	ProductFeature             featureRef `json:"product_feature"`
	ExpiryDate                 *string    `json:"expiry_date"`
	MaxConsumption             int64      `json:"max_consumption"`
	TotalConsumptions          int64      `json:"total_consumptions"`
	AllowUnlimitedConsumptions bool       `json:"allow_unlimited_consumptions"`
	AllowNegativeConsumptions  bool       `json:"allow_negative_consumptions"`
	AllowOverages              bool       `json:"allow_overages"`
	MaxOverages                int64      `json:"max_overages"`
	ResetConsumption           bool       `json:"reset_consumption"`
	ConsumptionPeriod          *string    `json:"consumption_period"`
}

type customFieldJSON struct {
	ID       int64   `json:"id"`
	Name     string  `json:"name"`
	DataType *string `json:"data_type"`
	Value    string  `json:"value"`
}

type orderRef struct {
	ID      *int64 `json:"id"`
	StoreID string `json:"store_id"`
}

// licenseJSON is the License of §4.7.
type licenseJSON struct {
	ID                         int64                `json:"id"`
	LicenseKey                 *string              `json:"license_key"`
	Product                    productRef           `json:"product"`
	Order                      *orderRef            `json:"order"`
	Customer                   *customerJSON        `json:"customer"`
	Status                     string               `json:"status"`
	Enabled                    bool                 `json:"enabled"`
	LicenseType                string               `json:"license_type"`
	IsTrial                    bool                 `json:"is_trial"`
	TrialDays                  int64                `json:"trial_days"`
	StartDate                  *string              `json:"start_date"`
	ValidityPeriod             *string              `json:"validity_period"`
	ValidDuration              string               `json:"valid_duration"`
	IsExpired                  bool                 `json:"is_expired"`
	EnableMaintenancePeriod    bool                 `json:"enable_maintenance_period"`
	MaintenancePeriod          *string              `json:"maintenance_period"`
	AllowGracePeriod           bool                 `json:"allow_grace_period"`
	GracePeriod                int64                `json:"grace_period"`
	MaxActivations             int64                `json:"max_activations"`
	AllowUnlimitedActivations  bool                 `json:"allow_unlimited_activations"`
	TimesActivated             int64                `json:"times_activated"`
	MaxTransfers               int64                `json:"max_transfers"`
	TransferCount              int64                `json:"transfer_count"`
	PreventVM                  bool                 `json:"prevent_vm"`
	AllowOfflineActivation     bool                 `json:"allow_offline_activation"`
	IsFloating                 bool                 `json:"is_floating"`
	IsFloatingCloud            bool                 `json:"is_floating_cloud"`
	FloatingUsers              int64                `json:"floating_users"`
	FloatingTimeout            int64                `json:"floating_timeout"`
	CanBorrow                  bool                 `json:"can_borrow"`
	MaxBorrowTime              int64                `json:"max_borrow_time"`
	MaxConsumptions            int64                `json:"max_consumptions"`
	TotalConsumptions          int64                `json:"total_consumptions"`
	AllowUnlimitedConsumptions bool                 `json:"allow_unlimited_consumptions"`
	AllowNegativeConsumptions  bool                 `json:"allow_negative_consumptions"`
	AllowOverages              bool                 `json:"allow_overages"`
	MaxOverages                int64                `json:"max_overages"`
	ResetConsumption           bool                 `json:"reset_consumption"`
	ConsumptionPeriod          *string              `json:"consumption_period"`
	MaxLicenseUsers            int64                `json:"max_license_users"`
	LicenseUsers               []licenseUserJSON    `json:"license_users"`
	ProductFeatures            []licenseFeatureJSON `json:"product_features"`
	CustomFields               []customFieldJSON    `json:"custom_fields"`
	Metadata                   json.RawMessage      `json:"metadata"`
	Note                       string               `json:"note"`
	BundleLicense              *int64               `json:"bundle_license"`
	CreatedAt                  string               `json:"created_at"`
	UpdatedAt                  string               `json:"updated_at"`
}

// status is Disabled, Expired, Active (a device is active) or Inactive.
func status(l *catalog.License) string {
	switch {
	case !l.License.Enabled:
		return "Disabled"
	case l.Expired():
		return "Expired"
	case l.ActiveDevice:
		return "Active"
	}
	return "Inactive"
}

func newLicense(l *catalog.License) licenseJSON {
	lic := &l.License
	p := &l.Product
	out := licenseJSON{ID: lic.ID, LicenseKey: lic.LicenseKey,
		Product:  productRef{ID: p.ID, ShortCode: p.ShortCode, ProductName: p.Name, AuthorizationMethod: p.AuthorizationMethod},
		Customer: newCustomer(l.Customer), Status: status(l), Enabled: lic.Enabled, LicenseType: lic.LicenseType,
		IsTrial: lic.IsTrial, TrialDays: lic.TrialDays, StartDate: tsPtr(lic.StartDate), ValidityPeriod: tsPtr(lic.ValidityPeriod),
		ValidDuration: lic.ValidDuration, IsExpired: l.Expired(), EnableMaintenancePeriod: lic.EnableMaintenancePeriod,
		MaintenancePeriod: tsPtr(lic.MaintenancePeriod), AllowGracePeriod: lic.AllowGracePeriod, GracePeriod: lic.GracePeriod,
		MaxActivations: lic.MaxActivations, AllowUnlimitedActivations: lic.AllowUnlimitedActivations,
		TimesActivated: lic.TimesActivated, MaxTransfers: lic.MaxTransfers, TransferCount: lic.TransferCount,
		PreventVM: lic.PreventVM, AllowOfflineActivation: lic.AllowOfflineActivation, IsFloating: lic.IsFloating,
		IsFloatingCloud: lic.IsFloatingCloud, FloatingUsers: lic.FloatingUsers, FloatingTimeout: lic.FloatingTimeout,
		CanBorrow: lic.CanBorrow, MaxBorrowTime: lic.MaxBorrowTime, MaxConsumptions: lic.MaxConsumptions,
		TotalConsumptions: lic.TotalConsumptions, AllowUnlimitedConsumptions: lic.AllowUnlimitedConsumptions,
		AllowNegativeConsumptions: lic.AllowNegativeConsumptions, AllowOverages: lic.AllowOverages,
		MaxOverages: lic.MaxOverages, ResetConsumption: lic.ResetConsumption, ConsumptionPeriod: lic.ConsumptionPeriod,
		MaxLicenseUsers: lic.MaxLicenseUsers, LicenseUsers: []licenseUserJSON{}, ProductFeatures: []licenseFeatureJSON{},
		CustomFields: []customFieldJSON{}, Metadata: meta(lic.Metadata), BundleLicense: lic.BundleLicenseID,
		CreatedAt: ts(lic.CreatedAt), UpdatedAt: ts(lic.UpdatedAt)}
	if lic.OrderStoreID != "" || l.OrderID != 0 {
		out.Order = &orderRef{StoreID: lic.OrderStoreID}
		if l.OrderID != 0 {
			out.Order.ID = &l.OrderID
		}
	}
	for _, u := range l.Users {
		out.LicenseUsers = append(out.LicenseUsers, licenseUserJSON{ID: u.ID, Email: u.Email, TrueEmail: store.NormalizeEmail(u.Email),
			FirstName: u.FirstName, LastName: u.LastName, PhoneNumber: u.PhoneNumber, IsActive: u.IsActive,
			IsInitialPassword: u.IsInitialPassword, InitialPassword: u.InitialPassword, MaxActivations: u.Link.MaxActivations,
			AllowUnlimitedActivations: u.Link.AllowUnlimitedActivations, TotalActivations: u.Link.TotalActivations})
	}
	for _, f := range l.Features {
		out.ProductFeatures = append(out.ProductFeatures, licenseFeatureJSON{ID: f.ID,
			ProductFeature: featureRef{ID: f.ProductFeatureID, Code: f.Code, Name: f.Name, FeatureType: f.FeatureType},
			ExpiryDate:     tsPtr(f.ExpiryDate), MaxConsumption: f.MaxConsumption, TotalConsumptions: f.TotalConsumptions,
			AllowUnlimitedConsumptions: f.AllowUnlimitedConsumptions, AllowNegativeConsumptions: f.AllowNegativeConsumptions,
			AllowOverages: f.AllowOverages, MaxOverages: f.MaxOverages, ResetConsumption: f.ResetConsumption,
			ConsumptionPeriod: f.ConsumptionPeriod})
	}
	for _, cf := range l.CustomFields {
		out.CustomFields = append(out.CustomFields, customFieldJSON{ID: cf.ID, Name: cf.Name, DataType: cf.DataType, Value: cf.Value})
	}
	return out
}
