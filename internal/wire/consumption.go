package wire

import "github.com/licensor/licensor/internal/store"

// ConsumptionAdded is the add_consumption response (license-api.md §5.7).
type ConsumptionAdded struct {
	ID                         int64   `json:"id"`
	MaxConsumptions            int64   `json:"max_consumptions"`
	AllowUnlimitedConsumptions bool    `json:"allow_unlimited_consumptions"`
	AllowNegativeConsumptions  bool    `json:"allow_negative_consumptions"`
	AllowOverages              bool    `json:"allow_overages"`
	MaxOverages                int64   `json:"max_overages"`
	ResetConsumption           bool    `json:"reset_consumption"`
	ConsumptionPeriod          *string `json:"consumption_period"`
	TotalConsumptions          int64   `json:"total_consumptions"`
	Company                    Company `json:"company"`
}

// NewConsumptionAdded renders add_consumption.
func NewConsumptionAdded(l *store.License) *ConsumptionAdded {
	return &ConsumptionAdded{ID: l.ID, MaxConsumptions: l.MaxConsumptions, AllowUnlimitedConsumptions: l.AllowUnlimitedConsumptions,
		AllowNegativeConsumptions: l.AllowNegativeConsumptions, AllowOverages: l.AllowOverages, MaxOverages: l.MaxOverages,
		ResetConsumption: l.ResetConsumption, ConsumptionPeriod: l.ConsumptionPeriod, TotalConsumptions: l.TotalConsumptions,
		Company: Company{l.CompanyID}}
}

// FeatureConsumptionAdded is the add_feature_consumption response
// (license-api.md §5.8); note max_consumptions, plural, unlike the feature
// objects inside a license.
type FeatureConsumptionAdded struct {
	ID                         int64   `json:"id"`
	LicenseID                  int64   `json:"license_id"`
	Company                    Company `json:"company"`
	TotalConsumptions          int64   `json:"total_consumptions"`
	MaxConsumptions            int64   `json:"max_consumptions"`
	AllowNegativeConsumptions  bool    `json:"allow_negative_consumptions"`
	AllowUnlimitedConsumptions bool    `json:"allow_unlimited_consumptions"`
	AllowOverages              bool    `json:"allow_overages"`
	MaxOverages                int64   `json:"max_overages"`
	ResetConsumption           bool    `json:"reset_consumption"`
	ConsumptionPeriod          *string `json:"consumption_period"`
	IsFloating                 bool    `json:"is_floating"`
	IsFloatingCloud            bool    `json:"is_floating_cloud"`
}

// NewFeatureConsumptionAdded renders add_feature_consumption.
func NewFeatureConsumptionAdded(f *store.LicenseFeature, companyID int64) *FeatureConsumptionAdded {
	c := f.Consumption
	return &FeatureConsumptionAdded{ID: f.ID, LicenseID: f.LicenseID, Company: Company{companyID},
		TotalConsumptions: c.TotalConsumptions, MaxConsumptions: c.MaxConsumption,
		AllowNegativeConsumptions: c.AllowNegativeConsumptions, AllowUnlimitedConsumptions: c.AllowUnlimitedConsumptions,
		AllowOverages: c.AllowOverages, MaxOverages: c.MaxOverages, ResetConsumption: c.ResetConsumption,
		ConsumptionPeriod: c.ConsumptionPeriod}
}
