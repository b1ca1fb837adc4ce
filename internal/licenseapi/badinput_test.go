package licenseapi_test

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/licensor/licensor/internal/licenseapi"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/testkit"
)

// TestBadInput sends every route malformed headers, bodies, queries,
// methods and paths. Whatever arrives, the answer is a client error (never
// a 5xx) in the {status, code, message} shape, and nothing reaches the
// database: after each case that SQLite reports a commit for, every row of
// every table is hashed again, so a write shows on the exact input that
// made it.
func TestBadInput(t *testing.T) {
	c := newCatalog(t)
	w := provisionBad(t, c)
	eps := badEndpoints(w)
	// Every route is in the matrix, and the matrix names no route that is
	// gone: a new endpoint must say what its safe base request is.
	routes := licenseapi.Routes()
	for _, r := range routes {
		if _, ok := eps[r[1]]; !ok {
			t.Fatalf("route %s %s has no entry in badEndpoints()", r[0], r[1])
		}
	}
	if len(eps) != len(routes) {
		t.Fatalf("badEndpoints() has %d paths, the route table %d", len(eps), len(routes))
	}
	cases := badMatrix(w, routes, eps)

	db := c.DB(t)
	// One connection, so that PRAGMA data_version, which moves whenever
	// another connection commits, tells cheaply when to hash again.
	db.SetMaxOpenConns(1)
	version := func() (v int64) { must(t, db.QueryRow("PRAGMA data_version").Scan(&v)); return v }
	tableSums := tableSums
	if c.Postgres() {
		// No such cheap signal on PostgreSQL: hash after every case.
		n := int64(0)
		version = func() int64 { n++; return n }
		tableSums = func(t *testing.T, db *sql.DB) map[string]string { return testkit.PostgresTableSums(t, db) }
	}
	before, seen := tableSums(t, db), version()
	prev := before
	for _, bc := range cases {
		t.Run(bc.name, func(t *testing.T) {
			checkAnswer(t, bc, sendBad(t, c, bc))
			if v := version(); v != seen {
				seen = v
				now := tableSums(t, db)
				if changed := changedTables(prev, now); len(changed) > 0 {
					t.Errorf("%s %.200q wrote to the database: tables %v changed", bc.method, bc.target, changed)
				}
				prev = now
			}
		})
	}
	if changed := changedTables(before, tableSums(t, db)); len(changed) > 0 {
		t.Errorf("the matrix changed tables %v", changed)
	}
	t.Logf("%d cases", len(cases))

	logs := c.Logs.String()
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "level=ERROR") {
			t.Errorf("error logged: %.500s", line)
		}
	}
	for name, secret := range map[string]string{"shared key": w.sharedKey, "user password": w.password} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains the %s", name)
		}
	}
}

// provisionBad gives the matrix real data to hit: a key license and a
// bundle license whose one slot is taken by an active device, a key license
// of a customer, and a license user with a known password and an active
// device. The setup writes; the checksum is taken after it.
func provisionBad(t *testing.T, c *catalog) badWorld {
	t.Helper()
	w := badWorld{apiKey: c.APIKey, sharedKey: c.SharedKey, fullKey: "BADI-FULL-0001", bundleKey: "BADI-SUITE-0003", consKey: "BADI-CONS-0004", hwActive: "hw-1",
		email: "ann@example.com", password: "Badinput-Secret-42"}
	ctx, svc, one := context.Background(), c.App.Service, int64(1)
	c.keyLicense(w.fullKey, 1)
	_, err := svc.CreateLicense(ctx, c.CompanyID, licensing.LicenseSpec{Product: "KEY", Key: "BADI-FREE-0002", Customer: w.email})
	must(t, err)
	c.userLicense("", w.email, w.password)
	_, err = svc.CreateProduct(ctx, c.CompanyID, licensing.ProductSpec{Code: "KEY2", Name: "Second", AuthorizationMethod: "license-key"})
	must(t, err)
	_, err = svc.CreateProduct(ctx, c.CompanyID, licensing.ProductSpec{Code: "SUITE", Name: "Suite", AuthorizationMethod: "license-key", Bundle: true, Includes: []string{"KEY", "KEY2"}})
	must(t, err)
	_, err = svc.CreateLicense(ctx, c.CompanyID, licensing.LicenseSpec{Product: "SUITE", Key: w.bundleKey, MaxActivations: &one})
	must(t, err)
	_, err = svc.CreateLicense(ctx, c.CompanyID, licensing.LicenseSpec{Product: "KEY", Key: w.consKey, Type: "consumption", MaxActivations: &one, Settings: []string{"max_consumptions=0"}})
	must(t, err)
	c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": w.hwActive, "license_key": w.fullKey}), w.hwActive, w.fullKey)
	c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": w.hwActive, "license_key": w.consKey}), w.hwActive, w.consKey)
	c.ok(c.post("activate_bundle", map[string]any{"product": "SUITE", "hardware_id": w.hwActive, "license_key": w.bundleKey}), nil)
	c.license(c.post("activate_license", map[string]any{"product": "USER", "hardware_id": "hw-u", "username": w.email, "password": w.password}), "hw-u", w.email)
	return w
}

// badMatrix lists every case, named route/category/case.
func badMatrix(w badWorld, routes [][2]string, eps map[string]badEndpoint) []badCase {
	var all []badCase
	add := func(prefix, method, path, body string, cs []badCase) {
		for _, bc := range cs {
			bc.name = prefix + "/" + bc.name
			bc.method = cmp.Or(bc.method, method)
			if bc.target == "" || bc.target[0] == '?' {
				bc.target = path + bc.target
			}
			if bc.body == "" {
				bc.body = body
			}
			all = append(all, bc)
		}
	}
	for _, r := range routes {
		method, path := r[0], r[1]
		e := eps[path]
		short := strings.TrimPrefix(path, "/api/v4/")
		target, body := path, ""
		if method == "GET" && len(e.base) > 0 {
			target += "?" + queryOf(e.base)
		} else if method == "POST" {
			body = jsonObject(e.base)
		}
		add(short, method, target, body, []badCase{{name: "base"}})
		hcs := headerCases(w)
		if e.public { // authorization is not looked at
			for i := range hcs {
				hcs[i].want = ""
			}
		}
		add(short+"/header", method, target, body, hcs)
		if strings.HasSuffix(path, "_offline") {
			add(short+"/file", method, path, "", offlineCases(w, path))
		} else if method == "POST" {
			add(short+"/body", method, path, "", bodyCases(e, path == "/api/v4/change_password"))
		} else {
			add(short+"/query", method, path, "", queryCases(e))
		}
		add(short, method, path, body, methodAndPathCases(method, path))
	}
	// A refused new password behind the right current one: the only way
	// to reach change_password's policy, which comes after the password
	// check and the throttle.
	cp := "/api/v4/change_password"
	for name, newPW := range map[string]string{"short": "short", "blank": strings.Repeat(" ", 8), "same": w.password,
		"257": strings.Repeat("p", 257), "30KB": strings.Repeat("p", 30000)} {
		add("change_password/policy", "POST", cp, "", []badCase{{name: name, want: "validation_error",
			body: jsonObject([][2]string{{"username", jsonStr(w.email)}, {"password", jsonStr(w.password)}, {"new_password", jsonStr(newPW)}})}})
	}
	for _, p := range unknownPaths {
		for _, m := range []string{"GET", "POST"} {
			add("unknown-path", m, p, "", []badCase{{name: m + strconv.Quote(p[:min(len(p), 40)]), target: p, want: "not_found"}})
		}
	}
	// Map iteration made some groups' order random: sort for a
	// deterministic run (the checksum still blames the right case).
	slices.SortStableFunc(all, func(a, b badCase) int { return strings.Compare(a.name, b.name) })
	return all
}

var badClient = &http.Client{Timeout: 15 * time.Second}

// sendBad is testkit's Do with repeatable headers: it signs the request unless
// bc.hdr replaces Date or Authorization.
func sendBad(t *testing.T, c *catalog, bc badCase) testkit.Response {
	t.Helper()
	var body io.Reader
	if bc.body != "" {
		body = strings.NewReader(bc.body)
	}
	req, err := http.NewRequest(bc.method, c.URL+bc.target, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header = signedBy(c.APIKey, c.SharedKey, time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range bc.hdr {
		if v == nil {
			req.Header.Del(k)
		} else {
			req.Header[k] = v
		}
	}
	resp, err := badClient.Do(req)
	if err != nil {
		t.Fatalf("%s %.200q: %v", bc.method, bc.target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	return testkit.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// checkAnswer asserts the rules every answer keeps, and the code when the
// case fixes one.
func checkAnswer(t *testing.T, bc badCase, r testkit.Response) {
	t.Helper()
	ct := r.Header.Get("Content-Type")
	if r.Status == 0 || r.Status >= 500 {
		t.Errorf("status %d: %.300s", r.Status, r.Body)
	}
	if r.Status == http.StatusOK {
		if bc.want != "" {
			t.Errorf("200, want %s: %.300s", bc.want, r.Body)
		}
		pk := "/api/v4/public_key"
		if bc.target == pk || bc.target == pk+"/" || strings.HasPrefix(bc.target, pk+"?") {
			if ct != "application/x-pem-file" {
				t.Errorf("public_key Content-Type = %q", ct)
			}
		} else if ct != "application/json" || !json.Valid(r.Body) {
			t.Errorf("200 with Content-Type %q, body %.300s", ct, r.Body)
		}
		return
	}
	if ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("status %d with a body that is not a JSON object: %.300q", r.Status, r.Body)
	}
	code, _ := m["code"].(string)
	msg, _ := m["message"].(string)
	if len(m) != 3 || m["status"] != float64(r.Status) || code == "" || msg == "" {
		t.Errorf("status %d with body %.300s, want exactly {status, code, message} with the same status", r.Status, r.Body)
	}
	if bc.want != "" && code != bc.want {
		t.Errorf("code %q, want %q: %.300s", code, bc.want, r.Body)
	}
}

// tableSums hashes every row of every table, sqlite_sequence included (an
// insert that was undone still moves it) and the schema itself, each table
// in primary-key order: rowid, or all columns for WITHOUT ROWID tables.
func tableSums(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	type table struct{ name, ddl string }
	tables := []table{{name: "sqlite_master"}}
	rows, err := db.Query(`SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	must(t, err)
	for rows.Next() {
		var tb table
		must(t, rows.Scan(&tb.name, &tb.ddl))
		tables = append(tables, tb)
	}
	must(t, rows.Err())
	rows.Close()
	sums := make(map[string]string, len(tables))
	for _, tb := range tables {
		name := `"` + strings.ReplaceAll(tb.name, `"`, `""`) + `"`
		order := "rowid"
		if strings.Contains(strings.ToUpper(tb.ddl), "WITHOUT ROWID") {
			var n int
			must(t, db.QueryRow("SELECT count(*) FROM pragma_table_info(?)", tb.name).Scan(&n))
			order = "1"
			for i := 2; i <= n; i++ {
				order += "," + strconv.Itoa(i)
			}
		}
		h := sha256.New()
		r, err := db.Query("SELECT * FROM " + name + " ORDER BY " + order)
		must(t, err)
		cols, err := r.Columns()
		must(t, err)
		vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for r.Next() {
			must(t, r.Scan(ptrs...))
			for _, v := range vals {
				writeValue(h, v)
			}
			h.Write([]byte{'\n'})
		}
		must(t, r.Err())
		r.Close()
		sums[tb.name] = hex.EncodeToString(h.Sum(nil))
	}
	return sums
}

// writeValue encodes a value with its type and length, so that no two
// different rows hash alike.
func writeValue(h hash.Hash, v any) {
	text := fmt.Sprint(v)
	if tm, ok := v.(time.Time); ok {
		text = tm.Format(time.RFC3339Nano)
	}
	fmt.Fprintf(h, "%T:%d:%s\x00", v, len(text), text)
}

func changedTables(a, b map[string]string) []string {
	var out []string
	for k, v := range b {
		if a[k] != v {
			out = append(out, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
