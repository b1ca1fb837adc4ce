package licensor

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// maxAnswer bounds the body read from the server.
const maxAnswer = 16 << 20

// retry says which failures a call may be retried on (DESIGN.md "Retries").
type retry int

const (
	// idempotent calls (every GET, activate_*) are retried on network
	// errors, 429 and 503.
	idempotent retry = iota
	// once calls (deactivate_*, change_password) are retried on 429 and 503
	// only: after a network error the first attempt may have landed.
	once
)

// signature is the request signature of license-api.md §2.1:
// base64(HMAC-SHA256(sharedKey, "licenseSpring\ndate: " + date)).
func signature(sharedKey, date string) string {
	mac := hmac.New(sha256.New, []byte(sharedKey))
	mac.Write([]byte("licenseSpring\ndate: " + date))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// authorization is the Authorization header value for a Date value.
func authorization(apiKey, sharedKey, date string) string {
	return `algorithm="hmac-sha256",headers="date",signature="` + signature(sharedKey, date) + `",apikey="` + apiKey + `"`
}

// query encodes GET parameters: strings as they are, booleans as
// true/false, numbers in decimal; keys sorted (by url.Values.Encode).
func query(params map[string]any) string {
	v := url.Values{}
	for k, p := range params {
		switch x := p.(type) {
		case string:
			v.Set(k, x)
		case bool:
			v.Set(k, strconv.FormatBool(x))
		case int64:
			v.Set(k, strconv.FormatInt(x, 10))
		case int:
			v.Set(k, strconv.Itoa(x))
		default:
			v.Set(k, fmt.Sprint(x))
		}
	}
	return v.Encode()
}

// call sends one License API request, with retries, and returns the body of
// a 200 answer whose LicenseSignature verified, with that header. params go
// in the query of a GET and in the JSON body of a POST.
func (c *Client) call(ctx context.Context, method, endpoint string, params map[string]any, r retry) ([]byte, string, error) {
	var body []byte
	target := c.endpoint + endpoint
	if method == http.MethodGet {
		if q := query(params); q != "" {
			target += "?" + q
		}
	} else {
		var err error
		if body, err = json.Marshal(params); err != nil {
			return nil, "", fmt.Errorf("licensor: encode %s request: %w", endpoint, err)
		}
	}
	for n := 0; ; n++ {
		status, header, answer, err := c.attempt(ctx, method, target, body)
		var wait time.Duration
		switch {
		case err != nil:
			var ne *NetworkError
			if !errors.As(err, &ne) || ctx.Err() != nil || r != idempotent || n >= c.maxRetries {
				return nil, "", err
			}
			wait = backoff(n)
		case status == http.StatusOK:
			sig := header.Get("LicenseSignature")
			if err := verifyBody(c.publicKey, answer, sig); err != nil {
				return nil, "", err
			}
			return answer, sig, nil
		default:
			e := parseAPIError(status, header, answer)
			if !e.Retryable() || n >= c.maxRetries || e.RetryAfter > maxRetryAfter {
				return nil, "", e
			}
			err = e
			if wait = e.RetryAfter; wait == 0 {
				wait = backoff(n)
			}
		}
		if c.sleep(ctx, wait) != nil {
			return nil, "", err
		}
	}
}

// attempt sends one request within the per-attempt timeout and reads the
// whole answer. Its error is a *NetworkError, or an *APIError for an
// answer too large to read.
func (c *Client) attempt(ctx context.Context, method, target string, body []byte) (int, http.Header, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, nil, nil, &NetworkError{Err: err}
	}
	date := c.now().UTC().Format(http.TimeFormat)
	req.Header.Set("Date", date)
	req.Header.Set("Authorization", authorization(c.apiKey, c.sharedKey, date))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, &NetworkError{Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return 0, nil, nil, &NetworkError{Err: err}
	}
	if len(answer) > maxAnswer {
		return 0, nil, nil, &APIError{Status: resp.StatusCode, Code: CodeUnexpectedResponse,
			Message: fmt.Sprintf("answer larger than %d bytes", maxAnswer)}
	}
	return resp.StatusCode, resp.Header, answer, nil
}

// unwrapURLError keeps the cause and the URL but drops the method and
// quoting of *url.Error, which say little here.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", redact(ue.URL), ue.Err)
	}
	return err
}

// redact drops the query of a URL: it may hold a password (user_licenses).
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "request"
	}
	u.RawQuery = ""
	return u.String()
}
