// Package problem defines the coded error every layer of licensor returns when a
// request cannot be served. The code is the public contract (license-api.md §6);
// the HTTP status for each code is chosen in one place, the licenseapi package.
package problem

import (
	"errors"
	"fmt"
	"time"
)

// Error is a failure the client is allowed to see: a stable code from the
// License API and a human-readable message. It never carries secrets or
// internal details; wrap those in Cause, which only reaches the log.
type Error struct {
	Code    string
	Message string
	// RetryAfter, when set, is sent as the Retry-After header (429, 503).
	RetryAfter time.Duration
	// Cause is logged, never sent.
	Cause error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// New returns an Error with code and message.
func New(code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// Newf returns an Error with code and a formatted message.
func Newf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// As reports whether err is, or wraps, an *Error and returns it.
func As(err error) (*Error, bool) {
	var pe *Error
	if errors.As(err, &pe) {
		return pe, true
	}
	return nil, false
}

// Codes used by more than one package. Endpoint-specific codes are written
// where they are raised; the full table with statuses is licenseapi/errors.go.
const (
	CodeMissingHeaders              = "missing_headers"
	CodeAuthorizationInvalidHeaders = "authorization_invalid_headers"
	CodeAuthorizationMissingParams  = "authorization_missing_params"
	CodeHMACRequired                = "hmac_required"
	CodeInvalidAPIKey               = "invalid_api_key"
	CodeDateHeaderDiff              = "date_header_diff"
	CodeSignatureMismatch           = "signature_mismatch"
	CodeRequestTooLarge             = "request_too_large"
	CodeInvalidRequestBody          = "invalid_request_body"
	CodeRequestTimeout              = "request_timeout"
	CodeInvalidJSON                 = "invalid_json"
	CodeValidationError             = "validation_error"
	CodeMissingParameters           = "missing_parameters"
	CodeChangePasswordNotAllowed    = "change_password_not_allowed"
	CodeTooManyRequests             = "too_many_requests"
	CodeUserNotFound                = "user_not_found"
	CodeLicenseNotEnabled           = "license_not_enabled"
	CodeServerBusy                  = "server_busy"
	CodeMethodNotAllowed            = "method_not_allowed"
	CodeNotFound                    = "not_found"
	CodeInternalError               = "internal_error"

	CodeUnknownProduct               = "unknown_product"
	CodeDisabledProduct              = "disabled_product"
	CodeArchivedProduct              = "archived_product"
	CodeAPIKeyProductNotAllowed      = "api_key_product_not_allowed"
	CodeLicenseNotFound              = "license_not_found"
	CodeLicenseNotActive             = "license_not_active"
	CodeLicenseExpired               = "license_expired"
	CodeTrialExpired                 = "trial_expired"
	CodeDeviceNotFound               = "device_not_found"
	CodeBlacklisted                  = "blacklisted"
	CodeVMNotAllowed                 = "vm_not_allowed"
	CodeLicenseActivatedMaxTimes     = "license_activated_max_times"
	CodeLicenseUserActivatedMaxTimes = "licenseUserActivatedMaxTimes" // camelCase on the wire, as upstream
	CodeLicenseTransferredMaxTimes   = "license_transferred_max_times"
	CodeTrialNotAllowed              = "trial_not_allowed"
	CodeUnsupportedProductFeature    = "unsupported_product_feature"
	CodeFeatureExpired               = "feature_expired"
	CodeCustomerDoesNotExist         = "customer_does_not_exist"
	CodeWrongLicenseType             = "wrong_license_type"
	CodeLicenseNotEnoughConsumptions = "license_not_enough_consumptions"
	CodeFeatureNotEnoughConsumptions = "feature_not_enough_consumptions"
	CodeFeatureNotConsumption        = "feature_not_consumption"
	CodeActiveLicenseRequired        = "active_license_required"
	CodeVersionNotFound              = "version_not_found"
	CodeNoAvailableFloatingSlots     = "no_available_floating_slots"
	CodeBorrowingNotAllowed          = "borrowing_not_allowed"
	CodeBorrowUntilNotValid          = "borrow_until_not_valid"
	CodeOAuthTokenExpired            = "oauth_token_expired"
	CodeOAuthTokenMalformed          = "oauth_token_malformed"
	CodeMissingContent               = "missing_content"
	CodeOfflineSignatureMismatch     = "offline_signature_mismatch"
	CodeCustomerAccountNotFound      = "customer_account_not_found"
	CodeSSOTokenInvalid              = "sso_token_invalid"
	CodeSSOProviderUnavailable       = "sso_provider_unavailable"

	// Management API (management-api.md §3).
	CodeUnsupportedField    = "unsupported_field"
	CodeOrderIDExists       = "order_id_exists"
	CodeLicenseKeyExists    = "license_key_exists"
	CodeCustomerExists      = "customer_exists"
	CodeCustomerHasLicenses = "customer_has_licenses"
	CodeProductExists       = "product_exists"
	CodeMaxLicenseUsers     = "max_license_users_reached"
	CodeUserNotAssigned     = "user_not_assigned"
	CodeNotSupported        = "not_supported"
	CodeIdempotencyKeyInUse = "idempotency_key_in_use"
	CodeIdempotencyReused   = "idempotency_key_reused"
	CodeInvalidAuthMethod   = "invalid_product_auth_method"
)
