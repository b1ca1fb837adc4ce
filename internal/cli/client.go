package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/auth"
)

// clientFlags are the options of sign and call. The shared key is best
// passed as LICENSOR_SHARED_KEY: a flag shows in the process list.
type clientFlags struct {
	apiKey, sharedKey, baseURL string
}

func (r *runner) clientFlags(fs *flag.FlagSet) *clientFlags {
	c := &clientFlags{apiKey: r.env("LICENSOR_API_KEY"), sharedKey: r.env("LICENSOR_SHARED_KEY"), baseURL: r.env("LICENSOR_URL")}
	if c.baseURL == "" {
		c.baseURL = "http://127.0.0.1:8080"
	}
	fs.StringVar(&c.apiKey, "api-key", c.apiKey, "API key [LICENSOR_API_KEY]")
	fs.StringVar(&c.sharedKey, "shared-key", c.sharedKey, "shared key [LICENSOR_SHARED_KEY]")
	fs.StringVar(&c.baseURL, "url", c.baseURL, "server base URL [LICENSOR_URL]")
	return c
}

func (c *clientFlags) check() error {
	if c.apiKey == "" || c.sharedKey == "" {
		return usagef("an API key and shared key are needed: set LICENSOR_API_KEY and LICENSOR_SHARED_KEY (or --api-key, --shared-key)")
	}
	return nil
}

// headers returns the Date and Authorization headers for now.
func (c *clientFlags) headers(now time.Time) (date, authorization string) {
	date = now.UTC().Format(http.TimeFormat)
	return date, auth.AuthorizationHeader(c.apiKey, []byte(c.sharedKey), date)
}

func runSign(_ context.Context, r *runner, args []string) error {
	fs := r.newFlagSet("sign")
	c := r.clientFlags(fs)
	asJSON := fs.Bool("json", false, "print one JSON object")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if err := c.check(); err != nil {
		return err
	}
	date, authz := c.headers(time.Now())
	return r.print(*asJSON, map[string]string{"date": date, "authorization": authz},
		"Date: "+date, "Authorization: "+authz)
}

func runCall(ctx context.Context, r *runner, args []string) error {
	fs := r.newFlagSet("call")
	c := r.clientFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 || len(pos) > 3 {
		return usagef("expected METHOD PATH [JSON], e.g. call POST change_password '{\"username\":...}'")
	}
	if err := c.check(); err != nil {
		return err
	}
	method, path := strings.ToUpper(pos[0]), pos[1]
	if !strings.HasPrefix(path, "/") {
		path = "/api/v4/" + path
	}
	u, err := url.Parse(strings.TrimRight(c.baseURL, "/") + path)
	if err != nil {
		return usagef("bad URL: %v", err)
	}
	var body io.Reader
	if len(pos) == 3 {
		if method == http.MethodGet {
			// GET parameters go in the query string (license-api.md §1).
			var params map[string]any
			if err := json.Unmarshal([]byte(pos[2]), &params); err != nil {
				return usagef("GET parameters must be a JSON object: %v", err)
			}
			q := u.Query()
			for k, v := range params {
				q.Set(k, fmt.Sprint(v))
			}
			u.RawQuery = q.Encode()
		} else {
			body = strings.NewReader(pos[2])
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return err
	}
	date, authz := c.headers(time.Now())
	req.Header.Set("Date", date)
	req.Header.Set("Authorization", authz)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.stderr, "HTTP %s\n", resp.Status)
	if _, err := r.stdout.Write(append(bytes.TrimRight(out, "\n"), '\n')); err != nil {
		return err
	}
	if resp.StatusCode >= 400 {
		return errors.New("the server answered with an error")
	}
	return nil
}

func runVersion(_ context.Context, r *runner, _ []string) error {
	_, err := fmt.Fprintln(r.stdout, "licensor", Version)
	return err
}
