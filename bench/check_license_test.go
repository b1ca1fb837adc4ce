package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/password"
)

// activeLicenses is how many licenses have a device the load checks; wrk
// rotates over them.
const activeLicenses = 1000

// wrkResult is what wrk reports.
type wrkResult struct {
	reqPerSec float64
	p50, p99  time.Duration
	errors    string // non-2xx or socket errors, if any
}

// runWrk loads url for d with wrk: one thread, 50 connections, pre-signed
// headers, rotating over paths when given.
func runWrk(b *testing.B, url string, d time.Duration, headers map[string]string, paths []string) wrkResult {
	b.Helper()
	args := []string{"-t1", "-c50", "-d" + d.String(), "--latency"}
	for k, v := range headers {
		args = append(args, "-H", k+": "+v)
	}
	if len(paths) > 0 {
		script := filepath.Join(b.TempDir(), "paths.lua")
		var sb strings.Builder
		sb.WriteString("local paths = {\n")
		for _, p := range paths {
			fmt.Fprintf(&sb, "  %q,\n", p)
		}
		sb.WriteString("}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n")
		if err := os.WriteFile(script, []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		args = append(args, "-s", script)
	}
	out, err := exec.Command("wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		b.Fatalf("wrk: %v\n%s", err, out)
	}
	text := string(out)
	var r wrkResult
	if m := regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`).FindStringSubmatch(text); m != nil {
		r.reqPerSec, _ = strconv.ParseFloat(m[1], 64)
	}
	pct := func(p string) time.Duration {
		m := regexp.MustCompile(`(?m)^\s+` + p + `%\s+([0-9.]+)(us|ms|s)`).FindStringSubmatch(text)
		if m == nil {
			return 0
		}
		d, _ := time.ParseDuration(m[1] + strings.Replace(m[2], "us", "µs", 1))
		return d
	}
	r.p50, r.p99 = pct("50"), pct("99")
	if m := regexp.MustCompile(`(Non-2xx or 3xx responses: \d+|Socket errors: [^\n]+)`).FindAllString(text, -1); m != nil {
		r.errors = strings.Join(m, "; ")
	}
	if r.reqPerSec == 0 {
		b.Fatalf("could not read wrk's output:\n%s", text)
	}
	return r
}

func freeAddr(b *testing.B) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startProcess runs a server binary and waits until healthURL answers; it
// returns the process id and a function that stops it.
func startProcess(b *testing.B, healthURL string, name string, args ...string) (int, func()) {
	b.Helper()
	cmd := exec.Command(name, args...)
	devnull, _ := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	cmd.Stdout, cmd.Stderr = devnull, devnull
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		devnull.Close()
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := http.Get(healthURL); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			stop()
			b.Fatalf("%s did not start", name)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cmd.Process.Pid, stop
}

// provisionLicenses creates a data directory holding n licenses of product
// BENCH (with a feature and a custom field, so that responses have their
// usual size). It returns the API credential.
func provisionLicenses(b *testing.B, dataDir string, n int) (apiKey, sharedKey string) {
	b.Helper()
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{DataDir: dataDir, KeyBits: 2048, Argon2: password.DefaultParams,
		HashPool: password.PoolConfig{Workers: 1}, Throttle: licensing.DefaultThrottle})
	if err != nil {
		b.Fatal(err)
	}
	companyID, cred, err := a.Service.Init(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	svc := a.Service
	if _, err := svc.CreateProduct(ctx, companyID, licensing.ProductSpec{Code: "BENCH", Name: "Bench App", AuthorizationMethod: "license-key",
		Settings: []string{`metadata={"edition":"pro"}`}}); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.CreateFeature(ctx, companyID, licensing.FeatureSpec{Product: "BENCH", Code: "export", Name: "Export"}); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.CreateCustomField(ctx, companyID, "BENCH", "tier", "text", "gold"); err != nil {
		b.Fatal(err)
	}
	a.Close()

	// Bulk rows straight into the database: creating a million licenses one
	// by one through the rules would take longer than the measurement.
	db, err := sql.Open("sqlite", "file:"+app.DatabasePath(dataDir)+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UnixMilli()
	stmts := []string{
		fmt.Sprintf(`INSERT INTO licenses (company_id, product_id, license_key, license_type, enabled, max_activations,
			allow_offline_activation, created_at, updated_at)
		 WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < %d)
		 SELECT %d, (SELECT id FROM products WHERE short_code = 'BENCH'), printf('BENCH-%%07d', n), 'perpetual', TRUE, 2, TRUE, %d, %d FROM seq`,
			n, companyID, now, now),
		fmt.Sprintf(`INSERT INTO license_features (license_id, product_feature_id, created_at)
		 SELECT l.id, f.id, %d FROM licenses l JOIN product_features f ON f.product_id = l.product_id
		 WHERE l.license_key <= printf('BENCH-%%07d', %d)`, now, activeLicenses),
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			b.Fatalf("bulk insert: %v", err)
		}
	}
	return cred.APIKey, cred.SharedKey
}

func licenseKey(i int) string { return fmt.Sprintf("BENCH-%07d", i) }

// BenchmarkCheckLicense measures GET check_license on SQLite with 10k, 100k
// and 1M licenses in the database, driven by wrk on loopback with
// pre-signed headers over activeLicenses licenses, against a hello-world
// net/http server measured in the same run. It ignores b.N; run it with
// -benchtime=1x (bench/run.sh). BENCH_CHECK_SECONDS sets each run's length
// (default 10), BENCH_CHECK_SIZES the license counts (default
// 10000,100000,1000000).
func BenchmarkCheckLicense(b *testing.B) {
	if _, err := exec.LookPath("wrk"); err != nil {
		b.Fatal("wrk is not installed (bench/run.sh installs it)")
	}
	d := time.Duration(envInt("BENCH_CHECK_SECONDS", 10)) * time.Second
	sizes := []int{10_000, 100_000, 1_000_000}
	if v := os.Getenv("BENCH_CHECK_SIZES"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < activeLicenses {
				b.Fatalf("BENCH_CHECK_SIZES: %q", f)
			}
			sizes = append(sizes, n)
		}
	}
	dir := b.TempDir()
	bin := buildBinary(b, dir)
	hello := buildProgram(b, dir, "./hello", "hello")

	paths := make([]string, activeLicenses)
	for i := range paths {
		paths[i] = "/api/v4/check_license?product=BENCH&hardware_id=bench-device&license_key=" + licenseKey(i+1)
	}

	// The baseline gets the same requests, through the same wrk script, so
	// that wrk's own cost (it shares the two cores) is the same on both sides.
	// It runs before and after the licensor runs; the ratios use the mean,
	// so that a machine whose speed drifts (a shared VM) is measured fairly.
	helloRun := func() wrkResult {
		addr := freeAddr(b)
		_, stop := startProcess(b, "http://"+addr+"/", hello, addr)
		defer stop()
		date := time.Now().UTC().Format(http.TimeFormat)
		return runWrk(b, "http://"+addr+paths[0], d, map[string]string{"Date": date, "Authorization": "x"}, paths)
	}
	helloBefore := helloRun()

	type row struct {
		n                           int
		cached, unlimited, uncached wrkResult
		provisioned                 time.Duration
	}
	var rows []row
	for _, n := range sizes {
		data := filepath.Join(dir, fmt.Sprintf("data-%d", n))
		start := time.Now()
		apiKey, sharedKey := provisionLicenses(b, data, n)
		provisioned := time.Since(start)
		addr := freeAddr(b)
		// Every rate limiter on (address, company, credential) with rules
		// the load never reaches: what they cost, not what they refuse.
		_, stop := startProcess(b, "http://"+addr+"/healthz", bin, "serve", "--data", data, "--addr", addr,
			"--rate-limit-ip", "1000000000/1s", "--rate-limit-company", "1000000000/1s", "--rate-limit-credential", "1000000000/1s")
		s := &server{url: "http://" + addr, apiKey: apiKey, sharedKey: sharedKey}
		activate(b, s)
		date := time.Now().UTC().Format(http.TimeFormat)
		headers := map[string]string{"Date": date, "Authorization": auth.AuthorizationHeader(apiKey, []byte(sharedKey), date)}
		// Steady state: every license checked once before measuring, as a
		// running deployment has.
		warm(b, s.url, headers, paths)
		r := runWrk(b, s.url+paths[0], d, headers, paths)
		stop()

		// The same with the rate limiters off.
		_, stop = startProcess(b, "http://"+addr+"/healthz", bin, "serve", "--data", data, "--addr", addr, "--rate-limits=false")
		warm(b, s.url, headers, paths)
		l := runWrk(b, s.url+paths[0], d, headers, paths)
		stop()

		// The same load with the response cache off: every check reads the
		// database and renders its answer (signatures stay cached), as
		// checks of licenses that just changed do.
		_, stop = startProcess(b, "http://"+addr+"/healthz", bin, "serve", "--data", data, "--addr", addr, "--response-cache-mb", "0", "--rate-limits=false")
		warm(b, s.url, headers, paths) // the signatures, which stay cached
		u := runWrk(b, s.url+paths[0], d, headers, paths)
		stop()
		for _, w := range []wrkResult{r, l, u} {
			if w.errors != "" {
				b.Fatalf("%d licenses: wrk saw errors: %s", n, w.errors)
			}
		}
		rows = append(rows, row{n: n, cached: r, unlimited: l, uncached: u, provisioned: provisioned})
	}
	helloAfter := helloRun()
	base := (helloBefore.reqPerSec + helloAfter.reqPerSec) / 2

	b.Logf("hello world net/http: %8.0f req/s (before %.0f, after %.0f)  p50 %-8v p99 %v",
		base, helloBefore.reqPerSec, helloAfter.reqPerSec, helloBefore.p50, helloBefore.p99)
	b.ReportMetric(base, "hello-req/s")
	for _, r := range rows {
		b.Logf("licensor, %7d licenses: %8.0f req/s  p50 %-8v p99 %-8v  %.2fx hello world  (provisioned in %v)",
			r.n, r.cached.reqPerSec, r.cached.p50, r.cached.p99, r.cached.reqPerSec/base, r.provisioned.Round(100*time.Millisecond))
		b.Logf("  without rate limiters:    %8.0f req/s  p50 %-8v p99 %-8v  %.2fx hello world (limiters cost %.1f%%)",
			r.unlimited.reqPerSec, r.unlimited.p50, r.unlimited.p99, r.unlimited.reqPerSec/base, 100*(1-r.cached.reqPerSec/r.unlimited.reqPerSec))
		b.Logf("  without response cache:   %8.0f req/s  p50 %-8v p99 %-8v  %.2fx hello world",
			r.uncached.reqPerSec, r.uncached.p50, r.uncached.p99, r.uncached.reqPerSec/base)
		b.ReportMetric(r.cached.reqPerSec, fmt.Sprintf("req/s-%d", r.n))
		b.ReportMetric(r.cached.reqPerSec/base, fmt.Sprintf("ratio-%d", r.n))
		b.ReportMetric(r.uncached.reqPerSec, fmt.Sprintf("uncached-req/s-%d", r.n))
	}
	if len(rows) > 1 {
		lo, hi := rows[0], rows[len(rows)-1]
		b.Logf("%d vs %d licenses: %+.1f%% req/s (target: no more than 10%% lower); without response cache %+.1f%%",
			hi.n, lo.n, 100*(hi.cached.reqPerSec/lo.cached.reqPerSec-1), 100*(hi.uncached.reqPerSec/lo.uncached.reqPerSec-1))
	}
}

// activate puts a device on each of the licenses the load checks.
func activate(b *testing.B, s *server) {
	b.Helper()
	client := &http.Client{Timeout: time.Minute}
	var wg sync.WaitGroup
	errs := make(chan error, activeLicenses)
	next := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				body := fmt.Sprintf(`{"product":"BENCH","hardware_id":"bench-device","license_key":%q}`, licenseKey(i))
				code, err := s.signedPost(client, "/api/v4/activate_license", body)
				if err == nil && code != 200 {
					err = fmt.Errorf("activate %s: HTTP %d", licenseKey(i), code)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := 1; i <= activeLicenses; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// warm sends each request once.
func warm(b *testing.B, base string, headers map[string]string, paths []string) {
	b.Helper()
	for _, p := range paths {
		req, _ := http.NewRequest("GET", base+p, nil)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("warm-up %s: HTTP %d", p, resp.StatusCode)
		}
	}
}
