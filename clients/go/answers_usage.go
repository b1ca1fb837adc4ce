package licensor

import (
	"encoding/json"
	"time"
)

// ConsumptionOptions are the optional overage settings of AddConsumption
// (license-api.md §5.7); nil fields are not sent. A client can only narrow
// the license's overages, never widen them.
type ConsumptionOptions struct {
	MaxOverages   *int64
	AllowOverages *bool
}

// Consumption is the answer of AddConsumption (the license's counter) and
// of AddFeatureConsumption (the feature's), after the addition.
type Consumption struct {
	// ID is the license's id (AddConsumption) or the license feature's
	// (AddFeatureConsumption, whose LicenseID names the license).
	ID        int64
	LicenseID int64
	// MaxConsumptions is max_consumptions, in both answers.
	MaxConsumptions            int64
	TotalConsumptions          int64
	AllowUnlimitedConsumptions bool
	AllowNegativeConsumptions  bool
	AllowOverages              bool
	MaxOverages                int64
	ResetConsumption           bool
	// ConsumptionPeriod is how often the counter resets ("" for never).
	ConsumptionPeriod string
	// Raw is the whole decoded answer.
	Raw map[string]any
}

// DeviceVariable is a variable stored on the license's device.
type DeviceVariable struct {
	ID        int64 // 0 in the answer of TrackDeviceVariables
	Variable  string
	Value     string
	DeviceID  int64
	CreatedAt *time.Time
}

// VersionOptions filter Versions: "" means any.
type VersionOptions struct {
	Env     string // environment, such as win64
	Channel string // release channel
}

// InstallationFileOptions pick the version of InstallationFile: Version ""
// means the latest of the environment and channel.
type InstallationFileOptions struct {
	Env     string
	Channel string
	Version string
}

// InstallationFile is the answer of InstallationFile: a version's download.
type InstallationFile struct {
	ID      int64
	Version string
	// URL is installation_file, the download link.
	URL              string
	ReleaseDate      *time.Time
	HashMD5          string
	Environment      string
	EulaLink         string
	ReleaseNotesLink string
	Size             string
	RequiresVersion  string
	Channel          string
	// Raw is the whole decoded answer.
	Raw map[string]any
}

// Borrow is the answer of FloatingBorrow and FloatingFeatureBorrow: the
// device keeps its seat, without checks, until BorrowedUntil.
type Borrow struct {
	BorrowedUntil *time.Time
	MaxBorrowTime time.Duration
	DeviceID      int64
	LicenseID     int64
	// Raw is the whole decoded answer.
	Raw map[string]any
}

// SSOURLRequest asks for a customer account's SSO login URL (GET sso_url).
type SSOURLRequest struct {
	Product             string
	CustomerAccountCode string
	// ResponseType is "code" (authorization code grant) or "token"
	// (implicit); "" leaves the server's default.
	ResponseType string
	// RedirectURI is where the identity provider sends the user back.
	RedirectURI string
}

// SSOURL is the answer of SSOURL.
type SSOURL struct {
	// URL is where to send the user to log in.
	URL string
	// OpenIDConfiguration is the identity provider's discovery subset
	// (issuer, token_endpoint, …).
	OpenIDConfiguration map[string]any
	// Raw is the whole decoded answer.
	Raw map[string]any
}

// decodeAnswer decodes a verified body into v and raw; what names the
// answer in the error.
func decodeAnswer(body []byte, v any, raw *map[string]any, what string) error {
	if json.Unmarshal(body, v) != nil || json.Unmarshal(body, raw) != nil || *raw == nil {
		return unexpected("the answer is not " + what)
	}
	return nil
}

func parseConsumption(body []byte) (*Consumption, error) {
	var j struct {
		ID        int64 `json:"id"`
		LicenseID int64 `json:"license_id"`
		consumptionJSON
		AllowNegativeConsumptions bool    `json:"allow_negative_consumptions"`
		ResetConsumption          bool    `json:"reset_consumption"`
		ConsumptionPeriod         *string `json:"consumption_period"`
	}
	var raw map[string]any
	if err := decodeAnswer(body, &j, &raw, "a consumption counter"); err != nil {
		return nil, err
	}
	c := &Consumption{ID: j.ID, LicenseID: j.LicenseID, MaxConsumptions: j.MaxConsumptions, TotalConsumptions: j.TotalConsumptions,
		AllowUnlimitedConsumptions: j.AllowUnlimitedConsumptions, AllowNegativeConsumptions: j.AllowNegativeConsumptions,
		AllowOverages: j.AllowOverages, MaxOverages: j.MaxOverages, ResetConsumption: j.ResetConsumption, Raw: raw}
	if j.ConsumptionPeriod != nil {
		c.ConsumptionPeriod = *j.ConsumptionPeriod
	}
	return c, nil
}

// parseDeviceVariables decodes either variables answer: created_at is epoch
// milliseconds in track_device_variables and ISO 8601 in
// get_device_variables.
func parseDeviceVariables(body []byte) ([]DeviceVariable, error) {
	var js []struct {
		ID        int64           `json:"id"`
		Variable  string          `json:"variable"`
		Value     string          `json:"value"`
		DeviceID  int64           `json:"device_id"`
		CreatedAt json.RawMessage `json:"created_at"`
	}
	if json.Unmarshal(body, &js) != nil || js == nil {
		return nil, unexpected("the answer is not an array of device variables")
	}
	out := make([]DeviceVariable, 0, len(js))
	for _, j := range js {
		v := DeviceVariable{ID: j.ID, Variable: j.Variable, Value: j.Value, DeviceID: j.DeviceID}
		var ms int64
		var iso *string
		switch {
		case len(j.CreatedAt) == 0 || string(j.CreatedAt) == "null":
		case json.Unmarshal(j.CreatedAt, &ms) == nil:
			t := time.UnixMilli(ms).UTC()
			v.CreatedAt = &t
		case json.Unmarshal(j.CreatedAt, &iso) == nil:
			t, err := parseTime("created_at", iso)
			if err != nil {
				return nil, err
			}
			v.CreatedAt = t
		default:
			return nil, unexpected("created_at is neither epoch milliseconds nor ISO 8601")
		}
		out = append(out, v)
	}
	return out, nil
}

// parseVersions decodes the versions answer: only Version, ReleaseDate
// and Raw are set.
func parseVersions(body []byte) ([]ProductVersion, error) {
	var js []struct {
		Version     string  `json:"version"`
		ReleaseDate *string `json:"release_date"`
	}
	var raws []map[string]any
	if json.Unmarshal(body, &js) != nil || json.Unmarshal(body, &raws) != nil || js == nil {
		return nil, unexpected("the answer is not an array of versions")
	}
	out := make([]ProductVersion, 0, len(js))
	for i, j := range js {
		rd, err := parseTime("release_date", j.ReleaseDate)
		if err != nil {
			return nil, err
		}
		out = append(out, ProductVersion{Version: j.Version, ReleaseDate: rd, Raw: raws[i]})
	}
	return out, nil
}

func parseInstallationFile(body []byte) (*InstallationFile, error) {
	var j struct {
		ID               int64   `json:"id"`
		Version          string  `json:"version"`
		InstallationFile string  `json:"installation_file"`
		ReleaseDate      *string `json:"release_date"`
		HashMD5          string  `json:"hash_md5"`
		Environment      string  `json:"environment"`
		EulaLink         string  `json:"eula_link"`
		ReleaseNotesLink string  `json:"release_notes_link"`
		Size             any     `json:"size"`
		RequiresVersion  string  `json:"requires_version"`
		Channel          string  `json:"channel"`
	}
	var raw map[string]any
	if err := decodeAnswer(body, &j, &raw, "an installation file"); err != nil {
		return nil, err
	}
	rd, err := parseTime("release_date", j.ReleaseDate)
	if err != nil {
		return nil, err
	}
	f := &InstallationFile{ID: j.ID, Version: j.Version, URL: j.InstallationFile, ReleaseDate: rd, HashMD5: j.HashMD5,
		Environment: j.Environment, EulaLink: j.EulaLink, ReleaseNotesLink: j.ReleaseNotesLink,
		RequiresVersion: j.RequiresVersion, Channel: j.Channel, Raw: raw}
	// size is text in licensor's answers; a number is accepted too.
	switch s := j.Size.(type) {
	case string:
		f.Size = s
	case float64:
		f.Size = formatJSNumber(s)
	}
	return f, nil
}

func parseBorrow(body []byte) (*Borrow, error) {
	var j struct {
		BorrowedUntil *string `json:"borrowed_until"`
		MaxBorrowTime int64   `json:"max_borrow_time"`
		DeviceID      int64   `json:"device_id"`
		LicenseID     int64   `json:"license_id"`
	}
	var raw map[string]any
	if err := decodeAnswer(body, &j, &raw, "a borrow"); err != nil {
		return nil, err
	}
	until, err := parseTime("borrowed_until", j.BorrowedUntil)
	if err != nil {
		return nil, err
	}
	return &Borrow{BorrowedUntil: until, MaxBorrowTime: time.Duration(j.MaxBorrowTime) * time.Hour,
		DeviceID: j.DeviceID, LicenseID: j.LicenseID, Raw: raw}, nil
}

func parseSSOURL(body []byte) (*SSOURL, error) {
	var j struct {
		URL string `json:"url"`
	}
	var raw map[string]any
	if err := decodeAnswer(body, &j, &raw, "an sso_url object"); err != nil {
		return nil, err
	}
	if j.URL == "" {
		return nil, unexpected("sso_url answered no url")
	}
	return &SSOURL{URL: j.URL, OpenIDConfiguration: object(raw["openid_configuration"]), Raw: raw}, nil
}
