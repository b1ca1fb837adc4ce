// Package wire renders licensor's data in the exact JSON shapes of the
// License API (license-api.md §4, §5): field names, order and null-ness as
// the official SDKs expect. Encode the results with signing.MarshalJSON.
package wire

import (
	"encoding/json"
	"time"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/signing"
	"github.com/licensor/licensor/internal/store"
)

// Company is the {id} object most responses carry.
type Company struct {
	ID int64 `json:"id"`
}

// License is the License object (license-api.md §4): the union of the
// activation and check flavours, which a compatible server may always send.
type License struct {
	ID                        int64   `json:"id"`
	LicenseKey                *string `json:"license_key,omitempty"` // key-based only
	LicenseType               string  `json:"license_type"`
	IsTrial                   bool    `json:"is_trial"`
	TrialDays                 int64   `json:"trial_days"`
	LicenseTemplateID         *int64  `json:"license_template_id"`
	OrderStoreID              string  `json:"order_store_id"`
	Company                   Company `json:"company"`
	LicenseEnabled            bool    `json:"license_enabled"`
	LicenseActive             bool    `json:"license_active"`
	IsExpired                 bool    `json:"is_expired"`
	StartDate                 *string `json:"start_date"`
	ValidityPeriod            *string `json:"validity_period"`
	EnableMaintenancePeriod   bool    `json:"enable_maintenance_period"`
	MaintenancePeriod         *string `json:"maintenance_period"`
	AllowGracePeriod          bool    `json:"allow_grace_period"`
	GracePeriod               int64   `json:"grace_period"`
	MaxActivations            int64   `json:"max_activations"`
	AllowUnlimitedActivations bool    `json:"allow_unlimited_activations"`
	TimesActivated            int64   `json:"times_activated"`
	MaxTransfers              int64   `json:"max_transfers"`
	TransferCount             int64   `json:"transfer_count"`
	PreventVM                 bool    `json:"prevent_vm"`
	IsHardwareKeyAuth         bool    `json:"is_hardware_key_auth"`
	AllowOfflineActivation    bool    `json:"allow_offline_activation"`
	IsAirGapped               bool    `json:"is_air_gapped"`
	IsFloating                bool    `json:"is_floating"`
	IsFloatingCloud           bool    `json:"is_floating_cloud"`
	FloatingUsers             int64   `json:"floating_users"`
	FloatingTimeout           int64   `json:"floating_timeout"`
	CanBorrow                 bool    `json:"can_borrow"`
	MaxBorrowTime             int64   `json:"max_borrow_time"`
	IsBorrowed                bool    `json:"is_borrowed"`
	BorrowedUntil             *string `json:"borrowed_until"`
	// Floating cloud licenses: the seats in use, and whether the request's
	// device holds one (the check and the activate flavour of one answer).
	FloatingInUseDevices *int64           `json:"floating_in_use_devices,omitempty"`
	FloatingInUse        *bool            `json:"floating_in_use,omitempty"`
	AllowOverages        bool             `json:"allow_overages"`
	MaxOverages          int64            `json:"max_overages"`
	*LicenseConsumption                   // consumption licenses only
	*LicenseUserFields                    // user-based licenses only
	Metadata             json.RawMessage  `json:"metadata"`
	CustomFields         []CustomField    `json:"custom_fields"`
	ProductFeatures      []Feature        `json:"product_features"`
	Customer             Customer         `json:"customer"`
	ProductDetails       ProductInLicense `json:"product_details"`
	*DeviceFields                         // when the request names a device
	LicenseSignature     string           `json:"license_signature,omitempty"`
}

// LicenseConsumption is the license-level consumption of consumption
// licenses.
type LicenseConsumption struct {
	MaxConsumptions            int64   `json:"max_consumptions"`
	TotalConsumptions          int64   `json:"total_consumptions"`
	AllowUnlimitedConsumptions bool    `json:"allow_unlimited_consumptions"`
	AllowNegativeConsumptions  bool    `json:"allow_negative_consumptions"`
	ResetConsumption           bool    `json:"reset_consumption"`
	ConsumptionPeriod          *string `json:"consumption_period"`
}

// LicenseUserFields are the fields of user-based licenses.
type LicenseUserFields struct {
	MaxLicenseUsers int64 `json:"max_license_users"`
	User            *User `json:"user,omitempty"`
	// Username echoes the request's username on activation.
	Username string `json:"username,omitempty"`
}

// DeviceFields describe the request's device on the license.
type DeviceFields struct {
	Active           bool       `json:"active"`
	DeviceID         int64      `json:"device_id"`
	HardwareID       string     `json:"hardware_id"`
	Request          string     `json:"request,omitempty"`
	InstallationFile *struct{}  `json:"installation_file"`
	Variables        []Variable `json:"variables"`
}

// User is a license user (LicenseUserResponse).
type User struct {
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

// CustomField is a custom field with the license's value.
type CustomField struct {
	Name     string  `json:"name"`
	DataType *string `json:"data_type"`
	Value    string  `json:"value"`
}

// Feature is a feature as a license has it (FeatureResponse).
type Feature struct {
	ID                  int64           `json:"id"`
	Code                string          `json:"code"`
	Name                string          `json:"name"`
	FeatureType         string          `json:"feature_type"`
	ExpiryDate          *string         `json:"expiry_date"`
	Metadata            json.RawMessage `json:"metadata"`
	*FeatureConsumption                 // consumption features only
	IsFloating          bool            `json:"is_floating"`
	IsFloatingCloud     bool            `json:"is_floating_cloud"`
	*FeatureSeats                       // floating cloud features only
}

// FeatureSeats are a floating cloud feature's own seats.
type FeatureSeats struct {
	FloatingUsers   int64 `json:"floating_users"`
	FloatingTimeout int64 `json:"floating_timeout"`
}

// FeatureConsumption is the consumption part of a consumption feature.
type FeatureConsumption struct {
	MaxConsumption             int64   `json:"max_consumption"`
	AllowUnlimitedConsumptions bool    `json:"allow_unlimited_consumptions"`
	TotalConsumptions          int64   `json:"total_consumptions"`
	AllowOverages              bool    `json:"allow_overages"`
	MaxOverages                int64   `json:"max_overages"`
	ResetConsumption           bool    `json:"reset_consumption"`
	ConsumptionPeriod          *string `json:"consumption_period"`
	AllowNegativeConsumptions  bool    `json:"allow_negative_consumptions"`
}

// Customer is a license's customer; a license without one shows empty
// strings, as upstream does.
type Customer struct {
	Email           string          `json:"email"`
	CompanyName     string          `json:"company_name"`
	Reference       string          `json:"reference"`
	Phone           string          `json:"phone"`
	FirstName       string          `json:"first_name"`
	LastName        string          `json:"last_name"`
	City            string          `json:"city"`
	Postcode        string          `json:"postcode"`
	State           string          `json:"state"`
	Country         string          `json:"country"`
	Address         string          `json:"address"`
	CustomerAccount *struct{}       `json:"customer_account"`
	Metadata        json.RawMessage `json:"metadata"`
}

// ProductInLicense is product_details inside a License object.
type ProductInLicense struct {
	ProductID           int64           `json:"product_id"`
	ProductName         string          `json:"product_name"`
	ShortCode           string          `json:"short_code"`
	AllowTrial          bool            `json:"allow_trial"`
	TrialDays           int64           `json:"trial_days"`
	AuthorizationMethod string          `json:"authorization_method"`
	AllowOverages       bool            `json:"allow_overages"`
	MaxOverages         int64           `json:"max_overages"`
	PreventVM           bool            `json:"prevent_vm"`
	FloatingTimeout     int64           `json:"floating_timeout"`
	Metadata            json.RawMessage `json:"metadata"`
}

// Variable is a device variable as activation shows it.
type Variable struct {
	Value     string `json:"value"`
	DeviceID  int64  `json:"device_id"`
	Variable  string `json:"variable"`
	CreatedAt string `json:"created_at"`
}

// LicenseOptions say what the request asked for.
type LicenseOptions struct {
	// Request is "activation" on activation responses.
	Request string
	// Username is echoed on user-based activation responses.
	Username string
	// IncludeExpiredFeatures keeps expired features in the list.
	IncludeExpiredFeatures bool
}

// Time renders an optional time as the SDKs need it (license-api.md §3.1).
func Time(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := signing.FormatTime(*t)
	return &s
}

func metadata(text string) json.RawMessage {
	if text == "" {
		return json.RawMessage("{}")
	}
	return json.RawMessage(text)
}

// NewLicense renders a license view.
func NewLicense(v *licensing.LicenseView, o LicenseOptions) *License {
	l := &v.License
	out := &License{
		ID:                        l.ID,
		LicenseKey:                v.Key,
		LicenseType:               l.LicenseType,
		IsTrial:                   l.IsTrial,
		TrialDays:                 l.TrialDays,
		LicenseTemplateID:         l.LicenseTemplateID,
		OrderStoreID:              l.OrderStoreID,
		Company:                   Company{v.CompanyID},
		LicenseEnabled:            l.Enabled,
		LicenseActive:             v.Active(),
		IsExpired:                 v.Expired(),
		StartDate:                 Time(l.StartDate),
		ValidityPeriod:            Time(l.ValidityPeriod),
		EnableMaintenancePeriod:   l.EnableMaintenancePeriod,
		MaintenancePeriod:         Time(l.MaintenancePeriod),
		AllowGracePeriod:          l.AllowGracePeriod,
		GracePeriod:               l.GracePeriod,
		MaxActivations:            l.MaxActivations,
		AllowUnlimitedActivations: l.AllowUnlimitedActivations,
		TimesActivated:            l.TimesActivated,
		MaxTransfers:              l.MaxTransfers,
		TransferCount:             l.TransferCount,
		PreventVM:                 l.PreventVM || v.Product.PreventVM,
		IsHardwareKeyAuth:         l.IsHardwareKeyAuth,
		AllowOfflineActivation:    l.AllowOfflineActivation,
		IsAirGapped:               l.IsAirGapped,
		IsFloating:                l.IsFloating,
		IsFloatingCloud:           l.IsFloatingCloud,
		FloatingUsers:             l.FloatingUsers,
		FloatingTimeout:           l.FloatingTimeout,
		CanBorrow:                 l.CanBorrow,
		MaxBorrowTime:             l.MaxBorrowTime,
		AllowOverages:             l.AllowOverages,
		MaxOverages:               l.MaxOverages,
		Metadata:                  metadata(l.Metadata),
		CustomFields:              customFields(v.CustomFields),
		ProductFeatures:           features(v.Features, v.Now, o.IncludeExpiredFeatures),
		Customer:                  customer(v.Customer),
		ProductDetails:            productInLicense(&v.Product),
	}
	if v.SeatsInUse != nil {
		out.FloatingInUseDevices = v.SeatsInUse
		held := v.Seat != nil
		out.FloatingInUse = &held
		if v.Seat != nil && v.Seat.BorrowedUntil != nil && v.Seat.BorrowedUntil.After(v.Now) {
			out.IsBorrowed, out.BorrowedUntil = true, Time(v.Seat.BorrowedUntil)
		}
	}
	if l.LicenseType == store.LicenseConsumption {
		out.LicenseConsumption = &LicenseConsumption{
			MaxConsumptions:            l.MaxConsumptions,
			TotalConsumptions:          l.TotalConsumptions,
			AllowUnlimitedConsumptions: l.AllowUnlimitedConsumptions,
			AllowNegativeConsumptions:  l.AllowNegativeConsumptions,
			ResetConsumption:           l.ResetConsumption,
			ConsumptionPeriod:          l.ConsumptionPeriod,
		}
	}
	if v.Product.AuthorizationMethod == store.AuthUser {
		out.LicenseUserFields = &LicenseUserFields{MaxLicenseUsers: l.MaxLicenseUsers, Username: o.Username}
		if v.User != nil {
			out.LicenseUserFields.User = NewUser(v.User, v.Link)
		}
	}
	if v.Device != nil {
		out.DeviceFields = &DeviceFields{
			Active:     v.Device.IsActive,
			DeviceID:   v.Device.ID,
			HardwareID: v.Device.HardwareID,
			Request:    o.Request,
			Variables:  variables(v.Variables),
		}
	}
	return out
}

// NewUser renders a license user with their membership of a license.
func NewUser(u *store.LicenseUser, link *store.LicenseUserLink) *User {
	out := &User{ID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, PhoneNumber: u.PhoneNumber,
		IsInitialPassword: u.IsInitialPassword}
	if link != nil {
		out.MaxActivations, out.AllowUnlimitedActivations, out.TotalActivations = link.MaxActivations, link.AllowUnlimitedActivations, link.TotalActivations
	}
	return out
}

func customFields(fs []store.CustomField) []CustomField {
	out := make([]CustomField, 0, len(fs))
	for _, f := range fs {
		out = append(out, CustomField{Name: f.Name, DataType: f.DataType, Value: f.Value})
	}
	return out
}

// features renders a license's features; expired ones only when asked for.
func features(fs []store.LicenseFeature, now time.Time, includeExpired bool) []Feature {
	out := make([]Feature, 0, len(fs))
	for i := range fs {
		f := &fs[i]
		if !includeExpired && f.ExpiryDate != nil && !now.Before(*f.ExpiryDate) {
			continue
		}
		out = append(out, NewFeature(f))
	}
	return out
}

// NewFeature renders one feature of a license.
func NewFeature(f *store.LicenseFeature) Feature {
	out := Feature{ID: f.ID, Code: f.Code, Name: f.Name, FeatureType: f.FeatureType, ExpiryDate: Time(f.ExpiryDate),
		Metadata: metadata(f.Metadata), IsFloatingCloud: f.IsFloatingCloud}
	if f.IsFloatingCloud {
		out.FeatureSeats = &FeatureSeats{FloatingUsers: f.FloatingUsers, FloatingTimeout: f.FloatingTimeout}
	}
	if f.FeatureType == store.FeatureConsumption {
		c := f.Consumption
		out.FeatureConsumption = &FeatureConsumption{MaxConsumption: c.MaxConsumption,
			AllowUnlimitedConsumptions: c.AllowUnlimitedConsumptions, TotalConsumptions: c.TotalConsumptions,
			AllowOverages: c.AllowOverages, MaxOverages: c.MaxOverages, ResetConsumption: c.ResetConsumption,
			ConsumptionPeriod: c.ConsumptionPeriod, AllowNegativeConsumptions: c.AllowNegativeConsumptions}
	}
	return out
}

func customer(c *store.Customer) Customer {
	if c == nil {
		return Customer{Metadata: metadata("")}
	}
	return Customer{Email: c.Email, CompanyName: c.CompanyName, Reference: c.Reference, Phone: c.Phone,
		FirstName: c.FirstName, LastName: c.LastName, City: c.City, Postcode: c.Postcode, State: c.State,
		Country: c.Country, Address: c.Address, Metadata: metadata(c.Metadata)}
}

func productInLicense(p *store.Product) ProductInLicense {
	return ProductInLicense{ProductID: p.ID, ProductName: p.Name, ShortCode: p.ShortCode, AllowTrial: p.AllowTrial,
		TrialDays: p.TrialDays, AuthorizationMethod: p.AuthorizationMethod, AllowOverages: p.AllowOverages,
		MaxOverages: p.MaxOverages, PreventVM: p.PreventVM, FloatingTimeout: p.FloatingTimeout, Metadata: metadata(p.Metadata)}
}

func variables(vs []store.DeviceVariable) []Variable {
	out := make([]Variable, 0, len(vs))
	for _, v := range vs {
		out = append(out, Variable{Value: v.Value, DeviceID: v.DeviceID, Variable: v.Variable, CreatedAt: signing.FormatTime(v.CreatedAt)})
	}
	return out
}
