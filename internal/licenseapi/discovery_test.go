package licenseapi_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/licenseapi"
	"github.com/licensor/licensor/internal/testkit"
)

func TestWellKnown(t *testing.T) {
	get := func(s *testkit.Server, hdr map[string]string) map[string]any {
		t.Helper()
		h := map[string]string{"Date": "", "Authorization": ""}
		for k, v := range hdr {
			h[k] = v
		}
		r := s.Do(testkit.Request{Method: "GET", Path: "/api/v4/.well-known", Header: h})
		c := &catalog{Server: s, t: t}
		var m map[string]any
		c.ok(r, &m) // unauthenticated, and signed like every answer
		return m
	}
	s := testkit.Start(t)
	m := get(s, nil)
	if m["base_url"] != s.URL+"/api/v4" || m["api_version"] != "v4" || m["server"] != "licensor" || m["public_key"] != s.App.Signer.PublicKeyPEM() {
		t.Fatalf(".well-known: %v", m)
	}
	eps := map[string]bool{}
	for _, e := range m["endpoints"].([]any) {
		e := e.(map[string]any)
		eps[e["method"].(string)+" "+e["path"].(string)] = e["authenticated"].(bool)
	}
	if len(eps) != len(licenseapi.Routes()) || !eps["GET check_license"] || eps["GET public_key"] || !eps["POST floating/borrow"] {
		t.Fatalf("endpoints: %v", eps)
	}
	// Headers of a peer that is not a trusted proxy are not believed; a
	// Host that is not a host falls back to the listening address.
	if m := get(s, map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}); m["base_url"] != s.URL+"/api/v4" {
		t.Fatalf("untrusted forwarded headers were believed: %v", m["base_url"])
	}
	if m := get(s, map[string]string{"Host": "licenses.example.com:8443"}); m["base_url"] != "http://licenses.example.com:8443/api/v4" {
		t.Fatalf("Host: %v", m["base_url"])
	}

	behind := testkit.Start(t, func(c *app.Config) { c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} })
	if m := get(behind, map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "licenses.example.com"}); m["base_url"] != "https://licenses.example.com/api/v4" {
		t.Fatalf("a trusted proxy's headers: %v", m["base_url"])
	}
	if m := get(behind, map[string]string{"X-Forwarded-Host": "bad host/x"}); !strings.HasPrefix(m["base_url"].(string), "http://127.0.0.1:") {
		t.Fatalf("a malformed forwarded host: %v", m["base_url"])
	}
	fixed := testkit.Start(t, func(c *app.Config) { c.PublicURL = "https://licenses.example.com" })
	if m := get(fixed, map[string]string{"Host": "other.example"}); m["base_url"] != "https://licenses.example.com/api/v4" {
		t.Fatalf("the configured public URL: %v", m["base_url"])
	}
}
