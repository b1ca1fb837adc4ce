package bench

import (
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/auth"
)

const (
	// engineLicenses is how many licenses the database holds: the
	// activeLicenses the check load rotates over, then writeLicenses per
	// wrk process for each configuration's write load.
	engineLicenses = 10_000
	// writeLicenses is how many licenses one wrk process's write load
	// rotates over: more than its connections (see writeScript), few enough
	// that activations and deactivations alternate in short blocks.
	writeLicenses = 200
)

// engineConfig is a way to serve the same data: one argument list per
// licensor instance.
type engineConfig struct {
	name, key string // key names its metrics
	instances [][]string
}

// BenchmarkEngines measures, in one run on the same data, GET check_license
// (cached steady state) and a write load of POST activate_license and POST
// deactivate_license on SQLite (synchronous full, the default, and normal),
// on PostgreSQL with one licensor instance and with two instances on the
// same database, against a hello-world baseline given the same requests.
// Every load is two wrk processes side by side (-t1, BENCH_ENGINES_CONNS
// connections each, default 16; BENCH_ENGINES_SECONDS long, default 10),
// summed; with two instances each wrk process drives one. PostgreSQL is the
// cluster of LICENSOR_TEST_POSTGRES, or a throwaway one from scripts/pg. It
// ignores b.N; run it with -benchtime=1x (bench/run.sh Engines).
func BenchmarkEngines(b *testing.B) {
	if _, err := exec.LookPath("wrk"); err != nil {
		b.Fatal("wrk is not installed (bench/run.sh installs it)")
	}
	d := time.Duration(envInt("BENCH_ENGINES_SECONDS", 10)) * time.Second
	conns := envInt("BENCH_ENGINES_CONNS", 16)
	if conns >= writeLicenses {
		b.Fatalf("BENCH_ENGINES_CONNS must stay under %d", writeLicenses)
	}
	dir := b.TempDir()
	bin := buildBinary(b, dir)
	hello := buildProgram(b, dir, "./hello", "hello")

	// One SQLite install, its check devices activated, copied as it is to
	// PostgreSQL: both engines serve the same rows.
	start := time.Now()
	data := filepath.Join(dir, "data")
	apiKey, sharedKey := provisionLicenses(b, data, engineLicenses)
	url, _, stop := startLicensor(b, bin, "--data", data)
	activate(b, &server{url: url, apiKey: apiKey, sharedKey: sharedKey})
	stop()
	pgURL, pgAbout, postmaster := postgresDatabase(b)
	copyToPostgres(b, bin, data, pgURL)
	provisioned := time.Since(start)

	date := time.Now().UTC().Format(http.TimeFormat)
	headers := map[string]string{"Date": date, "Authorization": auth.AuthorizationHeader(apiKey, []byte(sharedKey), date),
		"Content-Type": "application/json"}
	paths := make([]string, activeLicenses)
	for i := range paths {
		paths[i] = "/api/v4/check_license?product=BENCH&hardware_id=bench-device&license_key=" + licenseKey(i+1)
	}
	pg := []string{"--database-url", pgURL, "--secret-file", filepath.Join(data, "secret.key")}
	configs := []engineConfig{
		{"SQLite, synchronous=full (default)", "sqlite-full", [][]string{{"--data", data, "--sqlite-synchronous", "full"}}},
		{"SQLite, synchronous=normal", "sqlite-normal", [][]string{{"--data", data, "--sqlite-synchronous", "normal"}}},
		{"PostgreSQL, 1 instance", "pg-1", [][]string{pg}},
		{"PostgreSQL, 2 instances", "pg-2", [][]string{pg, pg}},
	}

	// Both loads, on the servers at urls (one or two, process ids pids).
	// Configuration k writes on licenses of its own, so that each starts
	// with free slots.
	load := func(k int, urls []string, pids []int) (check, write pairResult) {
		m := meter{servers: pids, postmaster: postmaster}
		check = runWrkPair(b, d, conns, headers, [2]wrkTarget{
			{urls[0], checkScript(paths)}, {urls[len(urls)-1], checkScript(paths)}}, m)
		first := activeLicenses + 1 + 2*k*writeLicenses
		write = runWrkPair(b, d, conns, headers, [2]wrkTarget{
			{urls[0], writeScript(first, writeLicenses, fmt.Sprintf("c%d-w1", k))},
			{urls[len(urls)-1], writeScript(first+writeLicenses, writeLicenses, fmt.Sprintf("c%d-w2", k))}}, m)
		return check, write
	}
	// The baseline runs before and after (its licenses are never used).
	helloRun := func() (check, write pairResult) {
		addr := freeAddr(b)
		pid, stop := startProcess(b, "http://"+addr+"/", hello, addr)
		defer stop()
		return load(len(configs), []string{"http://" + addr}, []int{pid})
	}
	helloCheck1, helloWrite1 := helloRun()
	checks := make([]pairResult, len(configs))
	writes := make([]pairResult, len(configs))
	for k, c := range configs {
		var urls []string
		var pids []int
		var stops []func()
		for _, args := range c.instances {
			url, pid, stop := startLicensor(b, bin, args...)
			pids, stops = append(pids, pid), append(stops, stop)
			// Steady state: every license checked once on every instance
			// (each has its own response cache), as a running deployment has.
			warm(b, url, headers, paths)
			urls = append(urls, url)
		}
		checks[k], writes[k] = load(k, urls, pids)
		for _, stop := range stops {
			stop()
		}
	}
	helloCheck2, helloWrite2 := helloRun()

	var sb strings.Builder
	fmt.Fprintf(&sb, "BenchmarkEngines: %d licenses (provisioned, check devices activated and copied to PostgreSQL in %v)\n",
		engineLicenses, provisioned.Round(100*time.Millisecond))
	fmt.Fprintf(&sb, "load: two wrk processes side by side, -t1 -c%d each, %v, pre-signed headers; req/s is their sum, p50/p99\n", conns, d)
	sb.WriteString("  of their pooled latencies; with 2 instances each wrk process drives one, otherwise both drive the same server\n")
	fmt.Fprintf(&sb, "SQLite on %s; %s\n", fsType(data), pgAbout)
	sb.WriteString("  (PostgreSQL figures exclude the cost of syncing to disk; SQLite full syncs the WAL at every commit, normal does not)\n")
	sb.WriteString("                                                                                     ---- CPU µs per request ----\n")
	fmt.Fprintf(&sb, "%-27s %-34s %7s %8s %8s %7s %7s %7s %7s %7s %5s\n",
		"workload", "engine", "req/s", "p50", "p99", "×hello", "server", "pg", "wrk", "other", "busy")
	var notes []string
	row := func(workload string, first bool, engine string, r pairResult, base float64) {
		us := func(d time.Duration) float64 { return float64(d) / 1e3 }
		label := ""
		if first {
			label = workload
		}
		fmt.Fprintf(&sb, "%-27s %-34s %7.0f %8s %8s %6.2fx %7.0f %7.0f %7.0f %7.0f %4.0f%%\n", label, engine, r.reqPerSec,
			fmtLatency(r.p50), fmtLatency(r.p99), r.reqPerSec/base, us(r.serverCPU), us(r.pgCPU), us(r.wrkCPU), us(r.otherCPU), 100*r.busy)
		if r.errors != "" {
			notes = append(notes, fmt.Sprintf("%s, %s: %s", workload, engine, r.errors))
		}
	}
	for _, w := range []struct {
		name, key     string
		before, after pairResult
		rs            []pairResult
	}{
		{"GET check_license (cached)", "check", helloCheck1, helloCheck2, checks},
		{"POST activate + deactivate", "write", helloWrite1, helloWrite2, writes},
	} {
		base := (w.before.reqPerSec + w.after.reqPerSec) / 2
		row(w.name, true, "hello world (before)", w.before, base)
		row(w.name, false, "hello world (after)", w.after, base)
		for k, c := range configs {
			row(w.name, false, c.name, w.rs[k], base)
			b.ReportMetric(w.rs[k].reqPerSec, "req/s-"+w.key+"-"+c.key)
		}
	}
	sb.WriteString("hello world: the same requests through the same wrk scripts; ×hello: req/s over the mean of its two runs.\n" +
		"CPU per request: of the licensor process(es) (hello world's in its rows), of PostgreSQL's processes, of wrk,\n" +
		"  and of anything else (the kernel's own work, other jobs on the machine); busy: share of the machine's CPU in use.\n")
	for _, n := range notes {
		sb.WriteString("errors: " + n + "\n")
	}
	// To stdout: the testing package keeps only 10 lines of a benchmark's log.
	fmt.Print(sb.String())
	if len(notes) > 0 {
		b.Errorf("some requests failed (see errors above): the figures do not measure the intended load")
	}
}

// fmtLatency rounds a latency for the table.
func fmtLatency(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.1fms", float64(d)/1e6)
}

// fsType names the file system holding path.
func fsType(path string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return "?"
	}
	switch st.Type {
	case 0xef53:
		return "ext2/3/4"
	case 0x01021994:
		return "tmpfs"
	case 0x58465342:
		return "xfs"
	case 0x9123683e:
		return "btrfs"
	case 0x794c7630:
		return "overlayfs"
	}
	return fmt.Sprintf("file system 0x%x", st.Type)
}
