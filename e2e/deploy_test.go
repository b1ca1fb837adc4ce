package e2e

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/pgtest"
	"github.com/licensor/licensor/internal/store"
	"github.com/licensor/licensor/internal/testkit"
)

// db opens the instance's database behind licensor's back.
func (in *instance) db(t *testing.T) *sql.DB {
	t.Helper()
	if in.dbURL != "" {
		return pgtest.Open(t, in.dbURL)
	}
	db, err := sql.Open("sqlite", "file:"+in.data+"/licensor.db?_pragma=busy_timeout(5000)&_txlock=immediate")
	must(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func getBody(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// /healthz answers while the process runs; /readyz only while the
// database answers with the schema this binary knows (and, on PostgreSQL,
// changes from other instances arrive). Requests while the database is down
// are 503 server_busy, never 500, and the server recovers by itself.
func TestReadiness(t *testing.T) {
	in := newInstance(t)
	in.init()
	in.cliJSON(&struct{}{}, "product", "create", "--code", "APP", "--name", "App", "--json")
	in.cliJSON(&struct{}{}, "license", "create", "--product", "APP", "--key", "READY-1", "--json")
	srv := startServer(t, in, "--rate-limits=false")
	in.url = srv.url
	if code, body := getBody(t, srv.url+"/readyz"); code != 200 || body != "ready\n" {
		t.Fatalf("/readyz = %d %q", code, body)
	}
	db := in.db(t)
	future := fmt.Sprint(store.SchemaVersion(store.SQLite) + 100)
	_, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (` + future + `, 'future', 0)`)
	must(t, err)
	if code, body := getBody(t, srv.url+"/readyz"); code != 503 || !strings.Contains(body, "schema") {
		t.Fatalf("/readyz with a newer schema = %d %q", code, body)
	}
	_, err = db.Exec(`DELETE FROM schema_migrations WHERE version = ` + future)
	must(t, err)
	if code, _ := getBody(t, srv.url+"/readyz"); code != 200 {
		t.Fatalf("/readyz after the schema is back = %d", code)
	}
	if in.dbURL == "" {
		return
	}
	// PostgreSQL goes away: no new connections to the database, and the
	// open ones are cut.
	u, err := url.Parse(in.dbURL)
	must(t, err)
	name := strings.TrimPrefix(u.Path, "/")
	admin := pgtest.Open(t, strings.Replace(in.dbURL, "/"+name, "/postgres", 1))
	_, err = admin.Exec(`ALTER DATABASE ` + name + ` ALLOW_CONNECTIONS false`)
	must(t, err)
	_, err = admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, name)
	must(t, err)
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, body := getBody(t, srv.url+"/readyz")
		if code == 503 {
			t.Logf("while the database is down: /readyz %q", body)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d with the database down", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, _ := getBody(t, srv.url+"/healthz"); code != 200 {
		t.Fatalf("/healthz = %d while only the database is down", code)
	}
	r := in.api(http.MethodPost, "activate_license", map[string]any{"product": "APP", "license_key": "READY-1", "hardware_id": "down"})
	if r.Status != 503 || r.Error.Code != "server_busy" {
		time.Sleep(300 * time.Millisecond) // the log is flushed every 100 ms
		t.Fatalf("a write with the database down = %d %s\n%s", r.Status, r.Body, in.logs)
	}
	_, err = admin.Exec(`ALTER DATABASE ` + name + ` ALLOW_CONNECTIONS true`)
	must(t, err)
	deadline = time.Now().Add(10 * time.Second)
	for {
		if code, _ := getBody(t, srv.url+"/readyz"); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz did not recover once the database was back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Each pooled connection the outage cut fails once more (503, which
	// clients retry) before the pool replaces it.
	for i := 0; ; i++ {
		r := in.api(http.MethodPost, "activate_license", map[string]any{"product": "APP", "license_key": "READY-1", "hardware_id": "up"})
		if r.Status == 200 {
			t.Logf("a write succeeded after %d refusals", i)
			break
		}
		if r.Status != 503 || r.Error.Code != "server_busy" || i > 3*store.DefaultPostgresConns() {
			t.Fatalf("write %d after the database came back: %d %s", i, r.Status, r.Body)
		}
	}
}

// SIGTERM lets a request in flight finish (here one waiting for a database
// lock), refuses new connections, and exits 0.
func TestSIGTERMFinishesRequestsInFlight(t *testing.T) {
	in := newInstance(t)
	in.init()
	in.cliJSON(&struct{}{}, "product", "create", "--code", "APP", "--name", "App", "--json")
	in.cliJSON(&struct{}{}, "license", "create", "--product", "APP", "--key", "TERM-1", "--json")
	srv := startServer(t, in, "--rate-limits=false")
	in.url = srv.url
	tx, err := in.db(t).Begin() // SQLite: BEGIN IMMEDIATE takes the write lock
	must(t, err)
	if in.dbURL != "" {
		_, err := tx.Exec(`LOCK TABLE devices IN EXCLUSIVE MODE`)
		must(t, err)
	}
	answer := make(chan result, 1)
	go func() {
		r, invalid, err := send(http.DefaultClient, in.apiKey, in.sharedKey, in.publicKey, srv.url, http.MethodPost, "activate_license",
			map[string]any{"product": "APP", "license_key": "TERM-1", "hardware_id": "in-flight"})
		if err != nil || invalid != nil {
			r.Status = -1
			t.Errorf("in-flight request: %v %v", err, invalid)
		}
		answer <- r
	}()
	time.Sleep(300 * time.Millisecond) // let the request reach the lock (not a timing assertion)
	must(t, srv.cmd.Process.Signal(syscall.SIGTERM))
	time.Sleep(300 * time.Millisecond) // the server is now draining
	if _, err := http.Get(srv.url + "/healthz"); err == nil {
		t.Error("a new connection was accepted after SIGTERM")
	}
	must(t, tx.Rollback())
	r := <-answer
	wantOK(t, r, nil)
	select {
	case <-srv.done:
	case <-time.After(15 * time.Second):
		t.Fatal("licensor did not exit after SIGTERM")
	}
	if srv.err != nil {
		t.Fatalf("licensor exited with %v after SIGTERM", srv.err)
	}
}

// db copy moves an embedded install to PostgreSQL: the applications'
// pinned public key, API credentials (and revocations), devices and
// license users' passwords work unchanged against the copy, new writes get
// fresh ids, and a non-empty target is refused.
func TestDBCopyRoundTrip(t *testing.T) {
	src := &instance{t: t, data: t.TempDir() + "/data", logs: in0()}
	src.init()
	src.cliJSON(&struct{}{}, "company", "set", "allow_change_password=true", "--json")
	src.cliJSON(&struct{}{}, "product", "create", "--code", "APP", "--name", "App", "--json")
	src.cliJSON(&struct{}{}, "license", "create", "--product", "APP", "--key", "COPY-1", "--max-activations", "3", "--json")
	src.cliJSON(&struct{}{}, "product", "create", "--code", "SEAT", "--name", "Seat", "--auth", "user", "--json")
	var ul struct{ ID int64 }
	src.cliJSON(&ul, "license", "create", "--product", "SEAT", "--json")
	src.cliJSON(&struct{}{}, "user", "create", "--license", strconv.FormatInt(ul.ID, 10), "--email", "moved@example.com", "--password", "password before", "--json")
	var gone struct {
		APIKey    string `json:"api_key"`
		SharedKey string `json:"shared_key"`
	}
	src.cliJSON(&gone, "credential", "create", "--json")
	src.cliJSON(&struct{}{}, "credential", "revoke", gone.APIKey, "--json")
	// Rows whose foreign keys point at tables a later migration created:
	// a customer in a customer account, an audit event of an OAuth client.
	src.cliJSON(&struct{}{}, "customer-account", "create", "--code", "ACME", "--name", "Acme", "--json")
	src.cliJSON(&struct{}{}, "customer", "create", "--email", "buyer@acme.example", "--customer-account", "ACME", "--json")
	src.cliJSON(&struct{}{}, "license", "create", "--product", "APP", "--key", "COPY-O", "--customer", "buyer@acme.example", "--json")
	var oc struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	src.cliJSON(&oc, "oauth-client", "create", "--json")
	s := startServer(t, src, "--rate-limits=false")
	src.url = s.url
	for _, hw := range []string{"hw-1", "hw-2"} {
		wantOK(t, src.api(http.MethodPost, "activate_license", map[string]any{"product": "APP", "license_key": "COPY-1", "hardware_id": hw}), nil)
	}
	bearerActivate(t, s.url, oc.ClientID, oc.ClientSecret, `{"product":"APP","license_key":"COPY-O","hardware_id":"hw-o"}`)
	wantOK(t, src.api(http.MethodPost, "change_password", changePassword("moved@example.com", "password before", "password after")), nil)
	s.stop(t)

	target := pgtest.NewPostgresDatabase(t)
	var out struct {
		Rows  map[string]int64 `json:"rows"`
		Total int64            `json:"total"`
	}
	src.cliJSON(&out, "db", "copy", "--from", src.data, "--to", target, "--json")
	if out.Rows["devices"] != 3 || out.Rows["licenses"] != 3 || out.Rows["customer_accounts"] != 1 || out.Rows["oauth_clients"] != 1 || out.Rows["license_users"] != 1 || out.Rows["api_credentials"] != 2 || out.Rows["server_keys"] != 2 {
		t.Fatalf("db copy copied %v", out.Rows)
	}
	if _, err := src.cli("db", "copy", "--from", src.data, "--to", target); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("a second copy into the same database = %v", err)
	}
	if out, err := src.cli("db", "copy", "--from", src.data, "--to", "postgres://u:hunter2@[bad"); err == nil ||
		strings.Contains(out, "hunter2") || strings.Contains(err.Error()[strings.Index(err.Error(), "exit status"):], "hunter2") {
		t.Fatalf("a bad target URL = %v, and must not echo its password", err)
	}

	dst := &instance{t: t, data: t.TempDir() + "/unused", dbURL: target, logs: in0(),
		extraEnv: []string{"LICENSOR_SECRET=", "LICENSOR_SECRET_FILE=" + src.data + "/secret.key"},
		apiKey:   src.apiKey, sharedKey: src.sharedKey, publicKey: src.publicKey}
	d := startServer(t, dst, "--rate-limits=false")
	dst.url = d.url
	if key, err := dst.cli("public-key"); err != nil || key != src.publicKey {
		t.Fatalf("the copy signs with another key (%v)", err)
	}
	var lic map[string]any
	wantOK(t, dst.api(http.MethodGet, "check_license", map[string]any{"product": "APP", "license_key": "COPY-1", "hardware_id": "hw-2"}), &lic)
	if lic["times_activated"] != float64(2) {
		t.Fatalf("times_activated after the copy = %v", lic["times_activated"])
	}
	wantOK(t, dst.api(http.MethodGet, "user_licenses", map[string]any{"product": "SEAT", "username": "moved@example.com", "password": "password after"}), nil)
	wantCode(t, dst.apiAs(gone.APIKey, gone.SharedKey, d.url, http.MethodGet, "check_license",
		map[string]any{"product": "APP", "license_key": "COPY-1", "hardware_id": "hw-2"}), 400, "invalid_api_key")
	// New rows get ids after the copied ones.
	wantOK(t, dst.api(http.MethodPost, "activate_license", map[string]any{"product": "APP", "license_key": "COPY-1", "hardware_id": "hw-3"}), nil)
	wantCode(t, dst.api(http.MethodPost, "activate_license", map[string]any{"product": "APP", "license_key": "COPY-1", "hardware_id": "hw-4"}), 400, "license_activated_max_times")
	dst.cliJSON(&struct{}{}, "license", "create", "--product", "APP", "--key", "COPY-2", "--json")
	wantOK(t, dst.api(http.MethodPost, "activate_license", map[string]any{"product": "APP", "license_key": "COPY-2", "hardware_id": "hw-1"}), nil)
}

func in0() *testkit.SyncBuffer { return &testkit.SyncBuffer{} }

// bearerActivate activates with an OAuth client's token instead of the
// HMAC headers.
func bearerActivate(t *testing.T, base, clientID, secret, body string) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}
	resp, err := http.PostForm(base+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v4/activate_license", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("activation with a bearer token: %d", resp.StatusCode)
	}
}
