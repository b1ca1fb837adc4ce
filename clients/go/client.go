package licensor

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"
)

// Defaults of [Config].
const (
	DefaultTimeout    = 10 * time.Second
	DefaultMaxRetries = 3
)

// Config configures a [Client]. BaseURL and PublicKeyPEM are required, and
// one credential: APIKey and SharedKey, or ClientID and ClientSecret.
type Config struct {
	// BaseURL is the server, such as "https://licensing.example.com";
	// requests go to BaseURL + "/api/v4/<endpoint>". A trailing "/" or
	// "/api/v4" is accepted.
	BaseURL string
	// APIKey and SharedKey are the API credential (`licensor init`,
	// `licensor credential create`).
	APIKey    string
	SharedKey string
	// ClientID and ClientSecret are an OAuth client (`licensor oauth-client
	// create`), instead of APIKey and SharedKey: calls then carry
	// "Authorization: Bearer <token>", the token got with the client
	// credentials grant and cached until shortly before it expires.
	ClientID     string
	ClientSecret string
	// TokenURL is the OAuth token endpoint; "" means the one the server
	// names at GET oauth_url.
	TokenURL string
	// PublicKeyPEM is the server's public key (`licensor public-key`), an
	// SPKI PEM block ("BEGIN PUBLIC KEY"). Every answer is verified with it;
	// there is no option to skip verification.
	PublicKeyPEM string
	// Timeout bounds each attempt, reading the answer included; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxRetries is how many further attempts a retryable failure gets:
	// 0 means DefaultMaxRetries, a negative number none.
	MaxRetries int
	// AppName and AppVersion name the application, in the User-Agent and in
	// the telemetry of activate and check.
	AppName    string
	AppVersion string
	// HTTPClient sends the requests; nil means http.DefaultClient.
	HTTPClient *http.Client

	// Now is the clock for the Date header and the OAuth token's expiry;
	// nil means time.Now. For tests.
	Now func() time.Time
	// Sleep waits between attempts and returns early with ctx's error; nil
	// means a timer. For tests.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client calls the License API of a licensor server. It is safe for
// concurrent use.
type Client struct {
	endpoint   string // ".../api/v4/"
	apiKey     string
	sharedKey  string
	oauth      *tokenSource // nil: API key mode
	publicKey  *rsa.PublicKey
	timeout    time.Duration
	maxRetries int
	userAgent  string
	telemetry  map[string]string
	http       *http.Client
	now        func() time.Time
	sleep      func(ctx context.Context, d time.Duration) error
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	base, err := apiBase(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	hmacMode, oauthMode := cfg.APIKey != "" || cfg.SharedKey != "", cfg.ClientID != "" || cfg.ClientSecret != ""
	switch {
	case hmacMode == oauthMode:
		return nil, errors.New("licensor: Config needs APIKey and SharedKey, or ClientID and ClientSecret (not both)")
	case hmacMode && (cfg.APIKey == "" || cfg.SharedKey == ""):
		return nil, errors.New("licensor: Config.APIKey and Config.SharedKey are both required")
	case oauthMode && (cfg.ClientID == "" || cfg.ClientSecret == ""):
		return nil, errors.New("licensor: Config.ClientID and Config.ClientSecret are both required")
	case cfg.TokenURL != "" && !oauthMode:
		return nil, errors.New("licensor: Config.TokenURL is for OAuth mode (ClientID and ClientSecret)")
	case cfg.TokenURL != "" && !isHTTPURL(cfg.TokenURL):
		return nil, fmt.Errorf("licensor: Config.TokenURL %q is not an http(s) URL", cfg.TokenURL)
	}
	pub, err := ParsePublicKey(cfg.PublicKeyPEM)
	if err != nil {
		return nil, err
	}
	c := &Client{
		endpoint: base, apiKey: cfg.APIKey, sharedKey: cfg.SharedKey, publicKey: pub,
		timeout: cfg.Timeout, maxRetries: cfg.MaxRetries, http: cfg.HTTPClient, now: cfg.Now, sleep: cfg.Sleep,
	}
	if oauthMode {
		c.oauth = &tokenSource{c: c, clientID: cfg.ClientID, clientSecret: cfg.ClientSecret, url: cfg.TokenURL}
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxRetries == 0 {
		c.maxRetries = DefaultMaxRetries
	} else if c.maxRetries < 0 {
		c.maxRetries = 0
	}
	if c.http == nil {
		c.http = http.DefaultClient
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = sleep
	}
	c.userAgent = "licensor-go/" + Version
	if cfg.AppName != "" {
		c.userAgent += " (" + cfg.AppName
		if cfg.AppVersion != "" {
			c.userAgent += "/" + cfg.AppVersion
		}
		c.userAgent += ")"
	}
	c.telemetry = map[string]string{"sdk_ver": "licensor-go " + Version, "os_ver": runtime.GOOS + " " + runtime.GOARCH}
	if cfg.AppName != "" {
		c.telemetry["app_name"] = cfg.AppName
	}
	if cfg.AppVersion != "" {
		c.telemetry["app_ver"] = cfg.AppVersion
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		c.telemetry["hostname"] = h
	}
	return c, nil
}

// keyID and secret are what offline files are signed with (license-api.md
// §2.4): the API key and shared key, or in OAuth mode the client id and
// client secret.
func (c *Client) keyID() (name, value string) {
	if c.oauth != nil {
		return "client_id", c.oauth.clientID
	}
	return "api_key", c.apiKey
}

func (c *Client) secret() []byte {
	if c.oauth != nil {
		return []byte(c.oauth.clientSecret)
	}
	return []byte(c.sharedKey)
}

// apiBase turns Config.BaseURL into the ".../api/v4/" prefix of every
// endpoint.
func apiBase(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("licensor: Config.BaseURL is required")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("licensor: Config.BaseURL %q is not an http(s) URL without query", raw)
	}
	s := strings.TrimRight(raw, "/")
	s = strings.TrimSuffix(s, "/api/v4")
	return s + "/api/v4/", nil
}

// isHTTPURL reports whether s is an absolute http(s) URL.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// sleep waits d, or less if ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
