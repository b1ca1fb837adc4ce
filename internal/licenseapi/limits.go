package licenseapi

import (
	"fmt"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// Every string a client sends has a maximum length in bytes; a longer one
// is validation_error. Values are stored (devices, customers, users,
// variables) or used as keys, and a client key ships inside every copy of
// an application, so these bound what one caller can make the database
// hold. docs/limits.md lists them; keep the two in step.
const (
	maxCode      = 128  // product, bundle_code, feature: short codes
	maxHardware  = 512  // hardware_id: SDKs send 64-character hashes
	maxKey       = 256  // license_key
	maxEmail     = 254  // an address's longest valid form (RFC 5321)
	maxUsername  = 320  // email, then "|" and a customer account code
	maxPassword  = 1024 // 256 characters of up to 4 bytes each
	maxTelemetry = 256  // app_ver, os_ver, hostname, ip, ...
	maxVMInfo    = 1024
	maxPersonal  = 255      // first_name, address, city, ...
	maxDefault   = 256      // any other string parameter licensor reads
	maxIDToken   = 16 << 10 // an SSO id_token: a signed JWT with the provider's claims
	maxURL       = 2048     // redirect_uri, and an SSO authorization code

	maxVariables     = 64 // device variables per request
	maxVariableName  = 128
	maxVariableValue = 1024
)

// paramMax is the limit of each string parameter licensor reads.
var paramMax = map[string]int{
	"product": maxCode, "bundle_code": maxCode, "feature": maxCode,
	"hardware_id": maxHardware,
	"license_key": maxKey,
	"username":    maxUsername,
	"password":    maxPassword,
	"email":       maxEmail, "customer": maxEmail,
	"app_name": maxTelemetry, "app_ver": maxTelemetry, "sdk_ver": maxTelemetry, "os_ver": maxTelemetry,
	"hostname": maxTelemetry, "os_hostname": maxTelemetry, "ip": maxTelemetry, "ip_local": maxTelemetry,
	"mac_address": maxTelemetry, "channel": maxTelemetry, "env": maxTelemetry, "is_vm": maxTelemetry,
	"vm_info":    maxVMInfo,
	"first_name": maxPersonal, "last_name": maxPersonal, "phone": maxPersonal, "address": maxPersonal,
	"postcode": maxPersonal, "state": maxPersonal, "country": maxPersonal, "city": maxPersonal,
	"reference": maxPersonal, "company_name": maxPersonal,
	"customer_account_code": maxCode, "id_token": maxIDToken, "code": maxURL, "redirect_uri": maxURL,
}

// checkLen refuses a value longer than its parameter's limit, and one that
// is not text (invalid UTF-8 or a NUL character, which no engine can store
// or find alike).
func checkLen(name, value string) error {
	limit, ok := paramMax[name]
	if !ok {
		limit = maxDefault
	}
	if len(value) > limit {
		return problem.Newf(problem.CodeValidationError, "parameter %s is longer than %d bytes", name, limit)
	}
	if !store.StorableText(value) {
		return problem.Newf(problem.CodeValidationError, "parameter %s must be UTF-8 text without NUL characters", name)
	}
	return nil
}

// checkVariables refuses more device variables, or longer names or values,
// than a request may carry.
func checkVariables(vars map[string]string) error {
	if len(vars) > maxVariables {
		return problem.Newf(problem.CodeValidationError, "variables: at most %d per request", maxVariables)
	}
	for k, v := range vars {
		if k == "" || len(k) > maxVariableName || !store.StorableText(k) {
			return problem.Newf(problem.CodeValidationError, "variables: a name must be text of 1 to %d bytes", maxVariableName)
		}
		if !store.StorableText(v) {
			return problem.New(problem.CodeValidationError, fmt.Sprintf("variables: the value of %q must be UTF-8 text without NUL characters", k))
		}
		if len(v) > maxVariableValue {
			return problem.New(problem.CodeValidationError, fmt.Sprintf("variables: the value of %q is longer than %d bytes", k, maxVariableValue))
		}
	}
	return nil
}
