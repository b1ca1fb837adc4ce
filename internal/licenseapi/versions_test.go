package licenseapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/testkit"
)

func TestVersionsAndInstallationFiles(t *testing.T) {
	c := newCatalog(t)
	day := func(s string) *time.Time {
		d, err := time.Parse(time.DateOnly, s)
		must(t, err)
		return &d
	}
	for _, v := range []licensing.VersionSpec{
		{Version: "1.9.0", Environment: "linux", Channel: "stable", ReleaseDate: day("2026-01-01"), FullLink: "https://dl.example.com/1.9.0.tgz"},
		{Version: "1.10.0", Environment: "linux", Channel: "stable", ReleaseDate: day("2026-01-01"), FullLink: "https://dl.example.com/1.10.0.tgz",
			Filename: "app-1.10.0.tgz", HashMD5: "d41d8cd98f00b204e9800998ecf8427e", EulaLink: "https://example.com/eula", ReleaseNotesLink: "https://example.com/notes",
			Size: "1024", RequiresVersion: "1.0.0"},
		{Version: "2.0.0-beta", Environment: "linux", Channel: "beta", ReleaseDate: day("2026-02-01"), FullLink: "https://dl.example.com/2.0.0-beta.tgz"},
		{Version: "1.8.0", Environment: "win64", Channel: "stable", ReleaseDate: day("2025-12-01"), FullLink: "https://dl.example.com/1.8.0.msi"},
	} {
		v.Product = "KEY"
		_, err := c.App.Service.AddVersion(context.Background(), c.CompanyID, v)
		must(t, err)
	}
	c.keyLicense("VER-1", 2)
	q := func(kv ...string) map[string]string {
		m := map[string]string{"product": "KEY", "hardware_id": "hw", "license_key": "VER-1"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	// Before any activation: no downloads.
	wantError(t, c.get("versions", q()), 400, "active_license_required")
	c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "VER-1"}), "hw", "VER-1")

	list := func(kv ...string) []string {
		t.Helper()
		var vs []map[string]any
		c.ok(c.get("versions", q(kv...)), &vs)
		out := []string{}
		for _, v := range vs {
			if len(v) != 2 {
				t.Fatalf("a versions entry: %v", v)
			}
			out = append(out, v["version"].(string))
		}
		return out
	}
	for _, tt := range []struct {
		filter []string
		want   string
	}{
		{nil, "2.0.0-beta 1.10.0 1.9.0 1.8.0"}, // newest release first; the same day: the higher version
		{[]string{"env", "linux"}, "2.0.0-beta 1.10.0 1.9.0"},
		{[]string{"env", "linux", "channel", "stable"}, "1.10.0 1.9.0"},
		{[]string{"channel", "stable"}, "1.10.0 1.9.0 1.8.0"},
		{[]string{"env", "mac"}, ""},
	} {
		if got := list(tt.filter...); join(got) != tt.want {
			t.Errorf("versions %v = %q, want %q", tt.filter, join(got), tt.want)
		}
	}
	var vs []map[string]any
	c.ok(c.get("versions", q("env", "win64")), &vs)
	if vs[0]["release_date"] != "2025-12-01T00:00:00.000Z" {
		t.Fatalf("release_date = %v", vs[0]["release_date"])
	}

	var f map[string]any
	c.ok(c.get("installation_file", q("env", "linux", "channel", "stable")), &f)
	if f["version"] != "1.10.0" || f["installation_file"] != "https://dl.example.com/1.10.0.tgz" || f["hash_md5"] != "d41d8cd98f00b204e9800998ecf8427e" ||
		f["environment"] != "linux" || f["channel"] != "stable" || f["eula_link"] != "https://example.com/eula" || f["release_notes_link"] != "https://example.com/notes" ||
		f["size"] != "1024" || f["requires_version"] != "1.0.0" || f["release_date"] != "2026-01-01T00:00:00.000Z" || num(f, "id") == 0 ||
		num(f["company"].(map[string]any), "id") != c.CompanyID || len(f) != 12 {
		t.Fatalf("installation_file answered %v", f)
	}
	c.ok(c.get("installation_file", q("version", "1.9.0")), &f)
	if f["version"] != "1.9.0" {
		t.Fatalf("installation_file version=1.9.0 answered %v", f["version"])
	}
	c.ok(c.get("installation_file", q()), &f)
	if f["version"] != "2.0.0-beta" {
		t.Fatalf("the latest installation file is %v", f["version"])
	}
	var d map[string]any
	c.ok(c.get("product_details", map[string]string{"product": "KEY", "include_latest_version": "true"}), &d)
	if d["latest_version"].(map[string]any)["version"] != "2.0.0-beta" {
		t.Fatalf("product_details latest_version = %v", d["latest_version"])
	}

	for _, tt := range []struct {
		name string
		r    testkit.Response
		code string
	}{
		{"unknown version", c.get("installation_file", q("version", "3.0.0")), "version_not_found"},
		{"no version in env", c.get("installation_file", q("env", "mac")), "version_not_found"},
		{"device not active", c.get("installation_file", map[string]string{"product": "KEY", "hardware_id": "other", "license_key": "VER-1"}), "active_license_required"},
		{"versions, device not active", c.get("versions", map[string]string{"product": "KEY", "hardware_id": "other", "license_key": "VER-1"}), "active_license_required"},
		{"unknown license", c.get("versions", map[string]string{"product": "KEY", "hardware_id": "hw", "license_key": "NOPE"}), "license_not_found"},
		{"missing hardware_id", c.get("versions", map[string]string{"product": "KEY", "license_key": "VER-1"}), "missing_parameters"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantError(t, tt.r, 400, tt.code) })
	}
}

func join(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out
}
