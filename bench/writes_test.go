package bench

import (
	"database/sql"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/auth"
)

// consumptionLicenses is how many of the activeLicenses are consumption
// licenses (the first ones); the others are floating-cloud licenses.
const consumptionLicenses = activeLicenses / 2

// BenchmarkWrites measures, in one run on the same data, on SQLite
// (synchronous full, the default) and on PostgreSQL (one licensor
// instance), three loads of write transactions: a bare one (bench/txbase,
// BEGIN; UPDATE of one row; COMMIT on the same engine and driver, answering
// 200), POST add_consumption (1 unit on a consumption license with room for
// a billion: every request is a claim) and GET check_license of
// floating-cloud licenses (every check renews the device's seat, and
// bypasses the response cache). Each load is two wrk processes side by side
// (-t1, BENCH_WRITES_CONNS connections each, default 16;
// BENCH_WRITES_SECONDS long, default 10) with pre-signed headers, each
// rotating over licenses of its own. PostgreSQL is obtained as in
// BenchmarkEngines. It ignores b.N; run it with -benchtime=1x (bench/run.sh
// Writes).
func BenchmarkWrites(b *testing.B) {
	if _, err := exec.LookPath("wrk"); err != nil {
		b.Fatal("wrk is not installed (bench/run.sh installs it)")
	}
	d := time.Duration(envInt("BENCH_WRITES_SECONDS", 10)) * time.Second
	conns := envInt("BENCH_WRITES_CONNS", 16)
	if 2*conns >= consumptionLicenses {
		b.Fatalf("BENCH_WRITES_CONNS must stay under %d", consumptionLicenses/2)
	}
	dir := b.TempDir()
	bin := buildBinary(b, dir)
	txbase := buildProgram(b, dir, "./txbase", "txbase")

	// One SQLite install, its devices activated, copied as it is to
	// PostgreSQL: both engines serve the same rows.
	start := time.Now()
	data := filepath.Join(dir, "data")
	apiKey, sharedKey := provisionLicenses(b, data, activeLicenses)
	makeWriteLicenses(b, data)
	url, _, stop := startLicensor(b, bin, "--data", data)
	activate(b, &server{url: url, apiKey: apiKey, sharedKey: sharedKey})
	stop()
	pgURL, pgAbout, postmaster := postgresDatabase(b)
	copyToPostgres(b, bin, data, pgURL)
	provisioned := time.Since(start)

	date := time.Now().UTC().Format(http.TimeFormat)
	headers := map[string]string{"Date": date, "Authorization": auth.AuthorizationHeader(apiKey, []byte(sharedKey), date),
		"Content-Type": "application/json"}
	var floating [2][]string // each wrk process's half
	for i := consumptionLicenses + 1; i <= activeLicenses; i++ {
		h := 2 * (i - consumptionLicenses - 1) / (activeLicenses - consumptionLicenses)
		floating[h] = append(floating[h], "/api/v4/check_license?product=BENCH&hardware_id=bench-device&license_key="+licenseKey(i))
	}
	half := consumptionLicenses / 2
	consume := [2]string{consumptionScript(1, half), consumptionScript(1+half, half)}
	// txbase takes the same requests as add_consumption.
	bare := consume

	engines := []struct {
		name, key string
		serve     []string
		txbase    []string // engine and database of txbase
	}{
		{"SQLite, synchronous=full", "sqlite", []string{"--data", data, "--sqlite-synchronous", "full"},
			[]string{"sqlite", filepath.Join(dir, "txbase.db")}},
		{"PostgreSQL, 1 instance", "pg", []string{"--database-url", pgURL, "--secret-file", filepath.Join(data, "secret.key")},
			[]string{"postgres", pgURL}},
	}
	workloads := []struct{ name, key string }{
		{"bare write transaction", "bare"},
		{"POST add_consumption", "consume"},
		{"GET check_license floating", "floating"},
	}
	results := make([][]pairResult, len(engines))
	for k, e := range engines {
		addr := freeAddr(b)
		pid, stop := startProcess(b, "http://"+addr+"/", txbase, append([]string{addr}, e.txbase...)...)
		m := meter{servers: []int{pid}}
		if e.key == "pg" {
			m.postmaster = postmaster
		}
		u := "http://" + addr
		results[k] = append(results[k], runWrkPair(b, d, conns, headers, [2]wrkTarget{{u, bare[0]}, {u, bare[1]}}, m))
		stop()

		u, pid, stop = startLicensor(b, bin, e.serve...)
		m.servers = []int{pid}
		warm(b, u, headers, append(floating[0], floating[1]...))
		results[k] = append(results[k],
			runWrkPair(b, d, conns, headers, [2]wrkTarget{{u, consume[0]}, {u, consume[1]}}, m),
			runWrkPair(b, d, conns, headers, [2]wrkTarget{
				{u, checkScript(floating[0]) + failureReporter}, {u, checkScript(floating[1]) + failureReporter}}, m))
		stop()
	}

	var sb strings.Builder
	fmt.Fprintf(&sb, "BenchmarkWrites: %d consumption and %d floating-cloud licenses, one device each (provisioned, activated and copied to PostgreSQL in %v)\n",
		consumptionLicenses, activeLicenses-consumptionLicenses, provisioned.Round(100*time.Millisecond))
	fmt.Fprintf(&sb, "load: two wrk processes side by side, -t1 -c%d each, %v, pre-signed headers, each over half the licenses;\n", conns, d)
	sb.WriteString("  req/s is their sum, p50/p99 of their pooled latencies\n")
	fmt.Fprintf(&sb, "SQLite on %s; %s\n", fsType(data), pgAbout)
	sb.WriteString("                                                                            ---- CPU µs per request ----\n")
	fmt.Fprintf(&sb, "%-27s %-25s %7s %8s %8s %7s %7s %7s %7s %7s %5s\n",
		"workload", "engine", "req/s", "p50", "p99", "×bare", "server", "pg", "wrk", "other", "busy")
	var notes []string
	us := func(d time.Duration) float64 { return float64(d) / 1e3 }
	for k, e := range engines {
		base := results[k][0].reqPerSec
		for j, w := range workloads {
			r := results[k][j]
			fmt.Fprintf(&sb, "%-27s %-25s %7.0f %8s %8s %6.2fx %7.0f %7.0f %7.0f %7.0f %4.0f%%\n", w.name, e.name, r.reqPerSec,
				fmtLatency(r.p50), fmtLatency(r.p99), r.reqPerSec/base, us(r.serverCPU), us(r.pgCPU), us(r.wrkCPU), us(r.otherCPU), 100*r.busy)
			b.ReportMetric(r.reqPerSec, "req/s-"+w.key+"-"+e.key)
			if r.errors != "" {
				notes = append(notes, fmt.Sprintf("%s, %s: %s", w.name, e.name, r.errors))
			}
		}
	}
	sb.WriteString("bare write transaction: bench/txbase, BEGIN; UPDATE of one row; COMMIT per request on the same engine and driver\n" +
		"  (SQLite: WAL, synchronous=FULL, one writer connection), given the add_consumption requests; ×bare: req/s over its.\n" +
		"CPU per request: of the server (txbase or licensor), of PostgreSQL's processes, of wrk, and of anything else\n" +
		"  (the kernel's own work, other jobs on the machine); busy: share of the machine's CPU in use.\n")
	for _, n := range notes {
		sb.WriteString("errors: " + n + "\n")
	}
	// To stdout: the testing package keeps only 10 lines of a benchmark's log.
	fmt.Print(sb.String())
	if len(notes) > 0 {
		b.Errorf("some requests failed (see errors above): the figures do not measure the intended load")
	}
}

// makeWriteLicenses turns the first consumptionLicenses licenses of
// provisionLicenses into consumption licenses with room for a billion
// units, the other activeLicenses into floating-cloud licenses with 100
// seats held 30 minutes per check, as `licensor license create --type
// consumption max_consumptions=1000000000 --max-activations 5` and
// `is_floating_cloud=true floating_users=100 floating_timeout=30
// --max-activations 100` would, in two statements.
func makeWriteLicenses(b *testing.B, dataDir string) {
	b.Helper()
	db, err := sql.Open("sqlite", "file:"+app.DatabasePath(dataDir)+"?_pragma=journal_mode(WAL)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{
		fmt.Sprintf(`UPDATE licenses SET license_type = 'consumption', max_consumptions = 1000000000, max_activations = 5
		 WHERE license_key <= '%s'`, licenseKey(consumptionLicenses)),
		fmt.Sprintf(`UPDATE licenses SET is_floating_cloud = TRUE, floating_users = 100, floating_timeout = 30, max_activations = 100
		 WHERE license_key > '%s' AND license_key <= '%s'`, licenseKey(consumptionLicenses), licenseKey(activeLicenses)),
	} {
		if _, err := db.Exec(s); err != nil {
			b.Fatalf("write licenses: %v", err)
		}
	}
}

// consumptionScript adds 1 unit per request to licenses first..first+n-1,
// taken in turn, on the device activate put on them.
func consumptionScript(first, n int) string {
	return fmt.Sprintf("local first, n = %d, %d\n", first, n) + `local i = 0
request = function()
  local key = string.format("BENCH-%07d", first + i % n)
  i = i + 1
  local body = string.format('{"product":"BENCH","hardware_id":"bench-device","license_key":"%s","consumptions":1}', key)
  return wrk.format("POST", "/api/v4/add_consumption", nil, body)
end
` + failureReporter
}
