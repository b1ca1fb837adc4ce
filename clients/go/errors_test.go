package licensor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestErrorKindsAreDistinct(t *testing.T) {
	cause := context.DeadlineExceeded
	for _, err := range []error{
		&APIError{Status: 400, Code: "license_not_found", Message: "no"},
		&SignatureError{Reason: "r"},
		&NetworkError{Err: cause},
		&LocalLicenseError{Code: CodeClockTampered, Message: "m"},
	} {
		wrapped := fmt.Errorf("app: %w", err)
		var (
			ae *APIError
			se *SignatureError
			ne *NetworkError
			le *LocalLicenseError
		)
		n := 0
		for _, ok := range []bool{errors.As(wrapped, &ae), errors.As(wrapped, &se), errors.As(wrapped, &ne), errors.As(wrapped, &le)} {
			if ok {
				n++
			}
		}
		if n != 1 || err.Error() == "" {
			t.Errorf("%T matches %d kinds", err, n)
		}
	}
	if !errors.Is(&NetworkError{Err: cause}, context.DeadlineExceeded) {
		t.Error("NetworkError does not unwrap")
	}
	if got := (&APIError{Status: 400, Code: "c", Message: "m"}).Error(); got != "licensor: HTTP 400 c: m" {
		t.Errorf("APIError.Error() = %q", got)
	}
}

func TestParseAPIError(t *testing.T) {
	h := http.Header{"Retry-After": []string{"7"}}
	for _, tc := range []struct {
		body string
		code string
	}{
		{`{"status":429,"code":"too_many_requests","message":"slow down"}`, "too_many_requests"},
		{`{"code":"x","message":"no status"}`, CodeUnexpectedResponse},
		{`{"status":400,"message":"no code"}`, CodeUnexpectedResponse},
		{`{"status":400,"code":"x"}`, CodeUnexpectedResponse},
		{`[]`, CodeUnexpectedResponse},
		{``, CodeUnexpectedResponse},
	} {
		e := parseAPIError(429, h, []byte(tc.body))
		if e.Code != tc.code || e.Status != 429 || e.RetryAfter != 7*time.Second || !e.Retryable() {
			t.Errorf("%s: %+v", tc.body, e)
		}
	}
	for v, want := range map[string]time.Duration{"": 0, "x": 0, "-1": 0, " 5 ": 5 * time.Second, "Wed, 21 Oct 2015 07:28:00 GMT": 0} {
		if got := retryAfter(http.Header{"Retry-After": []string{v}}); got != want {
			t.Errorf("Retry-After %q = %v", v, got)
		}
	}
}
