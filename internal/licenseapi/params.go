package licenseapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// params are a request's named parameters: the JSON body of a POST or the
// query string of a GET (license-api.md §1). Unknown parameters are
// ignored: clients send telemetry this server need not know.
type params struct {
	body  map[string]json.RawMessage // POST
	query url.Values                 // GET
}

// postParams reads a POST body that must be a JSON object; an empty body
// has no parameters.
func (a *API) postParams(w http.ResponseWriter, r *http.Request) (*params, error) {
	body, err := a.readBody(w, r)
	if err != nil {
		return nil, err
	}
	body = trimJSONSpace(body)
	p := &params{body: map[string]json.RawMessage{}}
	if len(body) == 0 {
		return p, nil
	}
	if !json.Valid(body) {
		return nil, problem.New(problem.CodeInvalidJSON, "the request body is not valid JSON")
	}
	if body[0] != '{' {
		return nil, problem.New(problem.CodeValidationError, "the request body must be a JSON object")
	}
	if err := json.Unmarshal(body, &p.body); err != nil {
		return nil, problem.New(problem.CodeInvalidJSON, "the request body is not valid JSON")
	}
	return p, nil
}

func getParams(r *http.Request) *params { return &params{query: r.URL.Query()} }

// raw returns a body parameter, treating null as absent.
func (p *params) raw(name string) (json.RawMessage, bool) {
	v, ok := p.body[name]
	if !ok || string(v) == "null" {
		return nil, false
	}
	return v, true
}

func typeError(name, want string) error {
	return problem.Newf(problem.CodeValidationError, "parameter %s must be %s", name, want)
}

// str returns a string parameter ("" when absent), within its length
// limit.
func (p *params) str(name string) (string, error) {
	if p.query != nil {
		s := p.query.Get(name)
		return s, checkLen(name, s)
	}
	v, ok := p.raw(name)
	if !ok {
		return "", nil
	}
	var s string
	if v[0] != '"' || json.Unmarshal(v, &s) != nil {
		return "", typeError(name, "a string")
	}
	return s, checkLen(name, s)
}

// int returns an integer parameter (0 when absent).
func (p *params) int(name string) (int64, error) {
	var text string
	if p.query != nil {
		text = p.query.Get(name)
	} else if v, ok := p.raw(name); ok {
		text = string(v)
	}
	if text == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 {
		return 0, typeError(name, "a non-negative integer")
	}
	return n, nil
}

// bool returns a boolean parameter (false when absent); query strings carry
// "true"/"false" (license-api.md §1).
func (p *params) bool(name string) (bool, error) {
	if p.query != nil {
		switch strings.ToLower(p.query.Get(name)) {
		case "", "false", "0":
			return false, nil
		case "true", "1":
			return true, nil
		}
		return false, typeError(name, `"true" or "false"`)
	}
	v, ok := p.raw(name)
	if !ok {
		return false, nil
	}
	var b bool
	if json.Unmarshal(v, &b) != nil {
		return false, typeError(name, "a boolean")
	}
	return b, nil
}

// variables returns the device variables object: keys to values, stored as
// strings (license-api.md §5.11).
func (p *params) variables(name string) (map[string]string, error) {
	v, ok := p.raw(name)
	if !ok {
		return nil, nil
	}
	var m map[string]any
	if v[0] != '{' || json.Unmarshal(v, &m) != nil {
		return nil, typeError(name, "an object")
	}
	out := make(map[string]string, len(m))
	for k, val := range m {
		switch t := val.(type) {
		case string:
			out[k] = t
		case nil:
			out[k] = ""
		default:
			b, _ := json.Marshal(t)
			out[k] = string(b)
		}
	}
	return out, checkVariables(out)
}

// collector gathers parameters, keeping the first type error.
type collector struct {
	p   *params
	err error
}

func (c *collector) str(name string) string {
	v, err := c.p.str(name)
	if c.err == nil {
		c.err = err
	}
	return v
}

// text is a telemetry field: any JSON type, kept as text, within its
// length limit.
func (c *collector) text(name string) string {
	v := c.p.text(name)
	if err := checkLen(name, v); c.err == nil {
		c.err = err
	}
	return v
}

func (c *collector) int(name string) int64 {
	v, err := c.p.int(name)
	if c.err == nil {
		c.err = err
	}
	return v
}

func (c *collector) bool(name string) bool {
	v, err := c.p.bool(name)
	if c.err == nil {
		c.err = err
	}
	return v
}

// identity reads the parameters that name a license (license-api.md §1).
func (c *collector) identity() licensing.Identity {
	return licensing.Identity{
		Product:    c.str("product"),
		HardwareID: c.str("hardware_id"),
		LicenseKey: c.str("license_key"),
		Username:   c.str("username"),
		Password:   c.str("password"),
		LicenseID:  c.int("license_id"),
		BundleCode: c.str("bundle_code"),
	}
}

// telemetry reads the client telemetry fields. SDKs differ in how they type
// them, so it is lenient: a non-string value is kept as its JSON text, and
// is_vm may be a boolean or "true"/"false".
func (c *collector) telemetry() store.Telemetry {
	t := c.text
	vm := strings.ToLower(t("is_vm"))
	return store.Telemetry{
		AppName: t("app_name"), AppVer: t("app_ver"), SDKVer: t("sdk_ver"), OSVer: t("os_ver"),
		Hostname: t("hostname"), OSHostname: t("os_hostname"), IP: t("ip"), IPLocal: t("ip_local"),
		MACAddress: t("mac_address"), IsVM: vm == "true" || vm == "1", VMInfo: t("vm_info"), Channel: t("channel"),
		Env: t("env"),
	}
}

// text returns a parameter as text whatever its JSON type.
func (p *params) text(name string) string {
	var s string
	if p.query != nil {
		s = p.query.Get(name)
	} else if v, ok := p.raw(name); ok {
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
	}
	return s
}
