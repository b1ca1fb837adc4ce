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

// callOpts are the options of one License API call.
type callOpts struct {
	retry retry
	// public calls (oauth_url) carry no Date and no Authorization.
	public bool
	// emptyOK accepts a 200 with an empty body, which carries no
	// signature (floating/release answers so); a non-empty body is
	// still verified.
	emptyOK bool
}

// call sends one License API request, with retries, and returns the body of
// a 200 answer whose LicenseSignature verified, with that header. params go
// in the query of a GET and in the JSON body of a POST.
func (c *Client) call(ctx context.Context, method, endpoint string, params map[string]any, r retry) ([]byte, string, error) {
	return c.send(ctx, method, endpoint, params, callOpts{retry: r})
}

// send is call with every option.
func (c *Client) send(ctx context.Context, method, endpoint string, params map[string]any, o callOpts) ([]byte, string, error) {
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
	refreshed := false
	for n := 0; ; n++ {
		status, header, answer, sent, err := c.attempt(ctx, method, target, body, o.public)
		var wait time.Duration
		switch {
		case err != nil:
			// A request that was never sent (its OAuth token could not be
			// had) is safe to repeat whatever the call.
			var ne *NetworkError
			if !errors.As(err, &ne) || ctx.Err() != nil || (sent && o.retry != idempotent) || n >= c.maxRetries {
				return nil, "", err
			}
			wait = backoff(n)
		case status == http.StatusOK:
			if o.emptyOK && len(answer) == 0 {
				return nil, "", nil
			}
			sig := header.Get("LicenseSignature")
			if err := verifyBody(c.publicKey, answer, sig); err != nil {
				return nil, "", err
			}
			return answer, sig, nil
		default:
			e := parseAPIError(status, header, answer)
			if c.oauth != nil && !o.public && !refreshed && c.oauth.stale(e) {
				// The token expired or was not taken: one fresh token, one
				// more attempt, not counted as a retry.
				refreshed = true
				n--
				continue
			}
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
// whole answer. sent is false when the request could not be authorized
// (no OAuth token); then err is the token endpoint's. Its error is a
// *NetworkError, or an *APIError for an answer too large to read or a
// refused token request.
func (c *Client) attempt(ctx context.Context, method, target string, body []byte, public bool) (status int, h http.Header, answer []byte, sent bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, nil, nil, false, &NetworkError{Err: err}
	}
	if !public {
		date := c.now().UTC().Format(http.TimeFormat)
		auth, err := c.authorization(ctx, date)
		if err != nil {
			return 0, nil, nil, false, err
		}
		req.Header.Set("Date", date)
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	status, h, answer, err = c.do(req)
	return status, h, answer, true, err
}

// do sends req and reads the whole answer, at most maxAnswer bytes.
func (c *Client) do(req *http.Request) (int, http.Header, []byte, error) {
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

// authorization is the Authorization value of a request dated date: the
// HMAC of §2.1, or in OAuth mode "Bearer " and a token, fetched when the
// cached one is missing or about to expire.
func (c *Client) authorization(ctx context.Context, date string) (string, error) {
	if c.oauth == nil {
		return authorization(c.apiKey, c.sharedKey, date), nil
	}
	token, err := c.oauth.token(ctx)
	if err != nil {
		return "", err
	}
	return "Bearer " + token, nil
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
