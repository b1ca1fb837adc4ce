package wire

import (
	"encoding/json"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/store"
)

// TrialExisting is trial_key's answer for a device that already has a
// running trial: the key, or the user, to activate with.
type TrialExisting struct {
	LicenseType string `json:"license_type"`
	IsTrial     bool   `json:"is_trial"`
	License     string `json:"license,omitempty"`
	LicenseUser string `json:"license_user,omitempty"`
}

// TrialNew is trial_key's answer with a new trial license (license-api.md
// §5.9): the raw license record.
type TrialNew struct {
	ID                      int64              `json:"id"`
	OrderID                 int64              `json:"order_id"`
	ProductID               int64              `json:"product_id"`
	CreatedAt               int64              `json:"created_at"` // epoch milliseconds, as upstream
	UpdatedAt               int64              `json:"updated_at"`
	Active                  bool               `json:"active"`
	Enabled                 bool               `json:"enabled"`
	IsTrial                 bool               `json:"is_trial"`
	LicenseType             string             `json:"license_type"`
	MaxActivations          int64              `json:"max_activations"`
	MaxTransfers            int64              `json:"max_transfers"`
	TimesActivated          int64              `json:"times_activated"`
	TrialDays               int64              `json:"trial_days"`
	ValidityPeriod          *string            `json:"validity_period"`
	PreventVM               bool               `json:"prevent_vm"`
	IsHardwareKeyAuth       bool               `json:"is_hardware_key_auth"`
	EnableMaintenancePeriod bool               `json:"enable_maintenance_period"`
	MaintenanceDuration     *string            `json:"maintenance_duration"`
	Metadata                json.RawMessage    `json:"metadata"`
	MetadataString          string             `json:"metadata_string"`
	IsFloating              bool               `json:"is_floating"`
	IsFloatingCloud         bool               `json:"is_floating_cloud"`
	FloatingUsers           int64              `json:"floating_users"`
	FloatingTimeout         int64              `json:"floating_timeout"`
	AllowOverages           bool               `json:"allow_overages"`
	MaxOverages             int64              `json:"max_overages"`
	MaxConsumptions         int64              `json:"max_consumptions"`
	ValidDuration           *string            `json:"valid_duration"`
	ConsumptionPeriod       *string            `json:"consumption_period"`
	ResetConsumption        bool               `json:"reset_consumption"`
	GracePeriod             int64              `json:"grace_period"`
	AllowGracePeriod        bool               `json:"allow_grace_period"`
	Company                 Company            `json:"company"`
	LicenseProductFeatures  []TrialFeature     `json:"LicenseProductFeatures"`
	LicenseCustomFields     []TrialCustomField `json:"LicenseCustomFields"`
	*TrialKeyFields                            // key-based
	*TrialUserFields                           // user-based
}

// TrialKeyFields name the key of a key-based trial.
type TrialKeyFields struct {
	LicenseKey string `json:"license_key"`
	License    string `json:"license"`
}

// TrialUserFields name the user of a user-based trial.
type TrialUserFields struct {
	LicenseUser string `json:"license_user"`
	// InitialPassword is null unless this trial created the user: an
	// existing user's password never leaves the server here.
	InitialPassword *string `json:"initial_password"`
	LicenseUserID   *int64  `json:"license_user_id"`
	MaxLicenseUsers int64   `json:"max_license_users"`
}

// TrialFeature is a feature of a new trial license.
type TrialFeature struct {
	ID                int64           `json:"id"`
	ProductFeatureID  int64           `json:"product_feature_id"`
	ExpiryDate        *string         `json:"expiry_date"`
	MaxConsumption    int64           `json:"max_consumption"`
	AllowOverages     bool            `json:"allow_overages"`
	MaxOverages       int64           `json:"max_overages"`
	ResetConsumption  bool            `json:"reset_consumption"`
	ConsumptionPeriod *string         `json:"consumption_period"`
	IsFloating        bool            `json:"is_floating"`
	IsFloatingCloud   bool            `json:"is_floating_cloud"`
	Metadata          json.RawMessage `json:"metadata"`
}

// TrialCustomField is a custom field value of a new trial license.
type TrialCustomField struct {
	ProductCustomFieldID int64  `json:"product_custom_field_id"`
	Value                string `json:"value"`
}

// NewTrial renders trial_key's answer.
func NewTrial(t *licensing.Trial) any {
	l := &t.License
	if t.Existing {
		out := &TrialExisting{LicenseType: l.LicenseType, IsTrial: true, License: t.Key}
		if t.User != nil {
			out.LicenseUser = t.User.Email
		}
		return out
	}
	out := &TrialNew{ID: l.ID, OrderID: l.ID, ProductID: l.ProductID, CreatedAt: l.CreatedAt.UnixMilli(),
		UpdatedAt: l.UpdatedAt.UnixMilli(), Active: l.TimesActivated > 0, Enabled: l.Enabled, IsTrial: l.IsTrial,
		LicenseType: l.LicenseType, MaxActivations: l.MaxActivations, MaxTransfers: l.MaxTransfers,
		TimesActivated: l.TimesActivated, TrialDays: l.TrialDays, ValidityPeriod: Time(l.ValidityPeriod),
		PreventVM: l.PreventVM, IsHardwareKeyAuth: l.IsHardwareKeyAuth, EnableMaintenancePeriod: l.EnableMaintenancePeriod,
		Metadata: metadata(l.Metadata), MetadataString: string(metadata(l.Metadata)), IsFloating: l.IsFloating,
		IsFloatingCloud: l.IsFloatingCloud, FloatingUsers: l.FloatingUsers, FloatingTimeout: l.FloatingTimeout,
		AllowOverages: l.AllowOverages, MaxOverages: l.MaxOverages, MaxConsumptions: l.MaxConsumptions,
		ConsumptionPeriod: l.ConsumptionPeriod, ResetConsumption: l.ResetConsumption, GracePeriod: l.GracePeriod,
		AllowGracePeriod: l.AllowGracePeriod, Company: Company{l.CompanyID},
		LicenseProductFeatures: make([]TrialFeature, 0, len(t.Features)),
		LicenseCustomFields:    make([]TrialCustomField, 0, len(t.CustomFields))}
	for _, f := range t.Features {
		out.LicenseProductFeatures = append(out.LicenseProductFeatures, TrialFeature{ID: f.ID, ProductFeatureID: f.ProductFeatureID,
			ExpiryDate: Time(f.ExpiryDate), MaxConsumption: f.MaxConsumption, AllowOverages: f.AllowOverages,
			MaxOverages: f.MaxOverages, ResetConsumption: f.ResetConsumption, ConsumptionPeriod: f.ConsumptionPeriod,
			Metadata: metadata(f.Metadata)})
	}
	for _, f := range t.CustomFields {
		out.LicenseCustomFields = append(out.LicenseCustomFields, TrialCustomField{ProductCustomFieldID: f.ID, Value: f.Value})
	}
	if t.Product.AuthorizationMethod == store.AuthUser && t.User != nil {
		out.TrialUserFields = &TrialUserFields{LicenseUser: t.User.Email, InitialPassword: nonEmpty(t.InitialPassword),
			LicenseUserID: &t.User.ID, MaxLicenseUsers: l.MaxLicenseUsers}
	} else {
		out.TrialKeyFields = &TrialKeyFields{LicenseKey: t.Key, License: t.Key}
	}
	return out
}
