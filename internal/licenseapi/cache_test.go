package licenseapi_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/testkit"
)

var checkQuery = map[string]string{"product": "KEY", "hardware_id": "hw", "license_key": "CACHE-KEY"}

func cachedCatalog(t *testing.T) (*catalog, int64) {
	c := newCatalog(t)
	id := c.keyLicense("CACHE-KEY", 2)
	c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "CACHE-KEY"}), "hw", "CACHE-KEY")
	return c, id
}

// An unchanged check is answered with the remembered bytes and signature; a
// changed one is rendered and signed afresh.
func TestCheckCacheSignsChangedResponsesAfresh(t *testing.T) {
	c, id := cachedCatalog(t)
	r1 := c.get("check_license", checkQuery)
	r2 := c.get("check_license", checkQuery)
	c.license(r2, "hw", "CACHE-KEY")
	if string(r1.Body) != string(r2.Body) || r1.Header.Get("LicenseSignature") != r2.Header.Get("LicenseSignature") {
		t.Fatal("an unchanged check answered differently")
	}
	_, err := c.App.Service.SetLicense(context.Background(), c.CompanyID, id, []string{`metadata={"seats":5}`})
	must(t, err)
	r3 := c.get("check_license", checkQuery)
	m := c.license(r3, "hw", "CACHE-KEY") // verifies the new signature over the new bytes
	if string(r3.Body) == string(r1.Body) || r3.Header.Get("LicenseSignature") == r1.Header.Get("LicenseSignature") {
		t.Fatal("a changed license was answered from the cache")
	}
	if m["metadata"].(map[string]any)["seats"] != float64(5) {
		t.Fatalf("metadata = %v", m["metadata"])
	}
	// A deactivation through the API is seen by the very next check.
	wantDeactivated(t, c.post("deactivate_license", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "CACHE-KEY"}))
	wantError(t, c.get("check_license", checkQuery), 400, "license_not_active")
}

// A change made by another process (the CLI, another instance) reaches the
// server's cache by polling.
func TestCheckCacheSeesOtherProcesses(t *testing.T) {
	c, id := cachedCatalog(t)
	c.license(c.get("check_license", checkQuery), "hw", "CACHE-KEY")
	other := c.OpenOther(t)
	must(t, other.Service.SetLicenseEnabled(context.Background(), c.CompanyID, id, false))
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := c.get("check_license", checkQuery)
		if r.Status == 400 {
			wantError(t, r, 400, "license_not_enabled")
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the server kept answering from its cache after another process disabled the license")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A cached answer is only ever given to the credential it was made for.
func TestCheckCacheIsPerCredential(t *testing.T) {
	c, _ := cachedCatalog(t)
	c.license(c.get("check_license", checkQuery), "hw", "CACHE-KEY")
	cred, err := c.App.Service.CreateCredential(context.Background(), c.CompanyID, "users only", "USER")
	must(t, err)
	date := time.Now().UTC().Format(http.TimeFormat)
	r := c.Do(testkit.Request{Method: "GET", Path: "/api/v4/check_license?product=KEY&hardware_id=hw&license_key=CACHE-KEY",
		Header: map[string]string{"Date": date, "Authorization": auth.AuthorizationHeader(cred.APIKey, []byte(cred.SharedKey), date)}})
	wantError(t, r, 400, "api_key_product_not_allowed")
	// And a revoked credential stops at once, cached answers or not.
	must(t, c.App.Service.RevokeCredential(context.Background(), c.CompanyID, c.APIKey))
	wantError(t, c.get("check_license", checkQuery), 400, "invalid_api_key")
}

// A cached answer ends when the license expires by itself.
func TestCheckCacheEndsAtExpiry(t *testing.T) {
	c, id := cachedCatalog(t)
	soon := time.Now().Add(1500 * time.Millisecond).UTC().Truncate(time.Second).Add(time.Second)
	_, err := c.App.Service.SetLicense(context.Background(), c.CompanyID, id, []string{"validity_period=" + soon.Format(time.RFC3339)})
	must(t, err)
	c.license(c.get("check_license", checkQuery), "hw", "CACHE-KEY")
	time.Sleep(time.Until(soon) + 50*time.Millisecond)
	wantError(t, c.get("check_license", checkQuery), 400, "license_expired")
}

// Cached checks are evicted per license: an activation on one license
// leaves another license's cached answer in place. To tell a cached answer
// from a fresh one, the test changes license B behind licensor's back with
// its change trigger off, so only a fresh read would show the change.
func TestCheckCacheIsPerLicense(t *testing.T) {
	c, _ := cachedCatalog(t)
	idB := c.keyLicense("OTHER-KEY", 3)
	queryB := map[string]string{"product": "KEY", "hardware_id": "hw-b", "license_key": "OTHER-KEY"}
	c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "hw-b", "license_key": "OTHER-KEY"}), "hw-b", "OTHER-KEY")
	before := c.get("check_license", queryB)
	c.license(before, "hw-b", "OTHER-KEY")

	db := c.DB(t)
	if c.Postgres() {
		_, err := db.Exec(`ALTER TABLE licenses DISABLE TRIGGER licenses_update_changed`)
		must(t, err)
		_, err = db.Exec(`UPDATE licenses SET metadata = '{"unseen":true}' WHERE id = $1`, idB)
		must(t, err)
		_, err = db.Exec(`ALTER TABLE licenses ENABLE TRIGGER licenses_update_changed`)
		must(t, err)
	} else {
		must(t, func() error {
			tx, err := db.Begin()
			if err != nil {
				return err
			}
			// Again, committed, with the trigger restored in the same
			// transaction so that no change is logged.
			for _, q := range []string{
				`DROP TRIGGER licenses_update_changed`,
				`UPDATE licenses SET metadata = '{"unseen":true}' WHERE id = ` + strconv.FormatInt(idB, 10),
				`CREATE TRIGGER licenses_update_changed AFTER UPDATE ON licenses BEGIN INSERT INTO content_changes (license_id) VALUES (NEW.id); END`,
			} {
				if _, err := tx.Exec(q); err != nil {
					tx.Rollback()
					return err
				}
			}
			return tx.Commit()
		}())
	}
	// An activation on license A, through the API.
	c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "hw-2", "license_key": "CACHE-KEY"}), "hw-2", "CACHE-KEY")
	if c.get("check_license", checkQuery).Status != 200 {
		t.Fatal("check of A")
	}
	after := c.get("check_license", queryB)
	if string(after.Body) != string(before.Body) {
		t.Fatalf("an activation on another license evicted B's cached answer:\n%s", after.Body)
	}
	// A change to B itself is seen at once.
	_, err := c.App.Service.SetLicense(context.Background(), c.CompanyID, idB, []string{`metadata={"seen":true}`})
	must(t, err)
	m := c.license(c.get("check_license", queryB), "hw-b", "OTHER-KEY")
	if m["metadata"].(map[string]any)["seen"] != true {
		t.Fatalf("B's own change was not seen: %v", m["metadata"])
	}
}
