package licenseapi_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/testkit"
)

// catalog is a server with a few products to license:
//
//	KEY   key-based, features "pro" (activation) and "credits" (consumption),
//	      a custom field "tier" (default "gold"), trials of 14 days
//	USER  user-based
type catalog struct {
	*testkit.Server
	t testing.TB
}

func newCatalog(t testing.TB, opts ...testkit.Option) *catalog {
	t.Helper()
	c := &catalog{Server: testkit.Start(t, opts...), t: t}
	svc := c.App.Service
	ctx := context.Background()
	must(t, svc.SetCompanySetting(ctx, c.CompanyID, "allow_change_password", "true"))
	_, err := svc.CreateProduct(ctx, c.CompanyID, licensing.ProductSpec{Code: "KEY", Name: "Key App", AuthorizationMethod: "license-key",
		Settings: []string{"allow_trial=true", "trial_days=14", `metadata={"vendor":"acme"}`}})
	must(t, err)
	_, err = svc.CreateFeature(ctx, c.CompanyID, licensing.FeatureSpec{Product: "KEY", Code: "pro", Name: "Pro"})
	must(t, err)
	_, err = svc.CreateFeature(ctx, c.CompanyID, licensing.FeatureSpec{Product: "KEY", Code: "credits", Type: "consumption", MaxConsumption: 100})
	must(t, err)
	_, err = svc.CreateCustomField(ctx, c.CompanyID, "KEY", "tier", "text", "gold")
	must(t, err)
	_, err = svc.CreateProduct(ctx, c.CompanyID, licensing.ProductSpec{Code: "USER", Name: "User App", AuthorizationMethod: "user"})
	must(t, err)
	return c
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// keyLicense creates a license of KEY with settings and returns its key.
func (c *catalog) keyLicense(key string, maxActivations int64, settings ...string) int64 {
	c.t.Helper()
	l, err := c.App.Service.CreateLicense(context.Background(), c.CompanyID,
		licensing.LicenseSpec{Product: "KEY", Key: key, MaxActivations: &maxActivations, Settings: settings})
	must(c.t, err)
	return l.ID
}

// userLicense creates a license of product (USER by default) and a user on
// it with a known password; it returns the license id.
func (c *catalog) userLicense(product, email, password string, settings ...string) int64 {
	c.t.Helper()
	if product == "" {
		product = "USER"
	}
	one := int64(1)
	l, err := c.App.Service.CreateLicense(context.Background(), c.CompanyID, licensing.LicenseSpec{Product: product, MaxActivations: &one, Settings: settings})
	must(c.t, err)
	if email != "" {
		_, err = c.App.Service.CreateLicenseUser(context.Background(), c.CompanyID, licensing.UserSpec{LicenseID: l.ID, Email: email, Password: password})
		must(c.t, err)
	}
	return l.ID
}

func (c *catalog) get(path string, params map[string]string) testkit.Response {
	c.t.Helper()
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	return c.Do(testkit.Request{Method: "GET", Path: "/api/v4/" + path + "?" + q.Encode()})
}

func (c *catalog) post(path string, body any) testkit.Response {
	c.t.Helper()
	b, err := json.Marshal(body)
	must(c.t, err)
	return c.Do(testkit.Request{Method: "POST", Path: "/api/v4/" + path, Body: string(b)})
}

// ok asserts a 200 whose LicenseSignature verifies over the exact body, and
// decodes the body.
func (c *catalog) ok(r testkit.Response, into any) {
	c.t.Helper()
	if r.Status != 200 {
		c.t.Fatalf("status %d, want 200: %s", r.Status, r.Body)
	}
	if !verify(c.t, c.App.Signer.PublicKeyPEM(), r.Body, r.Header.Get("LicenseSignature")) {
		c.t.Fatalf("LicenseSignature does not verify over %s", r.Body)
	}
	if into != nil {
		if err := json.Unmarshal(r.Body, into); err != nil {
			c.t.Fatalf("decode %s: %v", r.Body, err)
		}
	}
}

// license asserts a signed 200 License object and checks its v1
// license_signature for the request's hardware id and identity.
func (c *catalog) license(r testkit.Response, hardwareID, identity string) map[string]any {
	c.t.Helper()
	var m map[string]any
	c.ok(r, &m)
	c.checkV1(m, hardwareID, identity)
	return m
}

// checkV1 verifies license_signature = sign(lower(hw#identity#validity)).
func (c *catalog) checkV1(m map[string]any, hardwareID, identity string) {
	c.t.Helper()
	validity, _ := m["validity_period"].(string)
	if i := strings.IndexByte(identity, '|'); i >= 0 {
		identity = identity[:i]
	}
	msg := strings.ToLower(hardwareID + "#" + identity + "#" + validity)
	sig, _ := m["license_signature"].(string)
	if !verify(c.t, c.App.Signer.PublicKeyPEM(), []byte(msg), sig) {
		c.t.Fatalf("license_signature does not verify over %q", msg)
	}
}

// verify checks an RSA-SHA256 base64 signature with a public key PEM.
func verify(t testing.TB, publicPEM string, data []byte, sig string) bool {
	t.Helper()
	block, _ := pem.Decode([]byte(publicPEM))
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || sig == "" {
		return false
	}
	sum := sha256.Sum256(data)
	return rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA256, sum[:], raw) == nil
}

// num reads a JSON number field as int64.
func num(m map[string]any, k string) int64 {
	f, _ := m[k].(float64)
	return int64(f)
}

func fmtID(id int64) string { return strconv.FormatInt(id, 10) }

// race runs n requests at once, released together, and returns their
// responses in order.
func race(n int, do func(i int) testkit.Response) []testkit.Response {
	var wg sync.WaitGroup
	results := make([]testkit.Response, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = do(i)
		}()
	}
	close(start)
	wg.Wait()
	return results
}
