package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pairResult is the load of two wrk processes run side by side: their
// request rates summed, the percentiles of their pooled latencies.
type pairResult struct {
	reqPerSec float64
	p50, p99  time.Duration
	errors    string // non-2xx or socket errors, if any
	// CPU time per request of the servers under load, of PostgreSQL, of
	// the two wrk processes and of anything else on the machine; busy is
	// the share of the machine's CPU time in use.
	serverCPU, pgCPU, wrkCPU, otherCPU time.Duration
	busy                               float64
}

// wrkTarget is what one of the two wrk processes loads: a server's base URL
// and a Lua script defining request().
type wrkTarget struct {
	url, script string
}

// quantileReporter ends every script: wrk prints its counts and a table of
// latency quantiles (µs) that runWrkPair merges across the two processes
// (wrk's Lua API has percentiles but no histogram). Steps of 0.5 up to 95,
// then 0.1, then the maximum.
const quantileReporter = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("S %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout))
  for i = 1, 190 do io.write(string.format("Q %.1f %d\n", i / 2, latency:percentile(i / 2))) end
  for i = 951, 999 do io.write(string.format("Q %.1f %d\n", i / 10, latency:percentile(i / 10))) end
  io.write(string.format("Q 100 %d\n", latency.max)) -- percentile(100) is 0 in wrk 4.1
end
`

// checkScript rotates GET requests over paths.
func checkScript(paths []string) string {
	var sb strings.Builder
	sb.WriteString("local paths = {\n")
	for _, p := range paths {
		fmt.Fprintf(&sb, "  %q,\n", p)
	}
	sb.WriteString("}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n")
	return sb.String()
}

// writeScript makes every request a write on licenses first..first+n-1,
// taken in turn: in even rounds over them it activates hardware_id
// TAG-ROUND on each, in odd rounds it deactivates the device the round
// before activated. The activation was sent n requests earlier; with fewer
// than n connections it has been answered. Every hardware_id is new, so
// every activation takes a slot (and, from round 2, counts a transfer) and
// every deactivation frees one: each request is a write transaction. wrk
// calls request() once before the load to check what it returns; that call
// does not advance. The first answers other than 200 are printed.
func writeScript(first, n int, tag string) string {
	return fmt.Sprintf("local first, n, tag = %d, %d, %q\n", first, n, tag) + `local i, checked = 0, false
request = function()
  local round = math.floor(i / n)
  local key = string.format("BENCH-%07d", first + i % n)
  local path = "/api/v4/activate_license"
  if round % 2 == 1 then path = "/api/v4/deactivate_license" end
  local body = string.format('{"product":"BENCH","hardware_id":"%s-%d","license_key":"%s"}', tag, round - round % 2, key)
  if checked then i = i + 1 else checked = true end
  return wrk.format("POST", path, nil, body)
end
` + failureReporter
}

// failureReporter ends a script whose first answers other than 200 are
// printed (runWrkPair adds them to its errors).
const failureReporter = `local failures = 0
response = function(status, headers, body)
  if status ~= 200 and failures < 3 then
    failures = failures + 1
    io.write("E ", status, " ", (string.gsub(string.sub(body, 1, 300), "%s+", " ")), "\n")
  end
end
`

// wrkOut is what one wrk process reported.
type wrkOut struct {
	requests  float64
	seconds   float64
	errors    string
	quantiles [][2]float64 // percentile, latency in µs
}

// runWrkPair runs two wrk processes at once (-t1, conns connections each,
// pre-signed headers) for d and pools their figures, with the CPU time m
// accounts for.
func runWrkPair(b *testing.B, d time.Duration, conns int, headers map[string]string, targets [2]wrkTarget, m meter) pairResult {
	b.Helper()
	before := m.sample()
	dir := b.TempDir()
	var cmds [2]*exec.Cmd
	var outs [2]strings.Builder
	for k, t := range targets {
		script := filepath.Join(dir, fmt.Sprintf("load%d.lua", k))
		if err := os.WriteFile(script, []byte(t.script+quantileReporter), 0o644); err != nil {
			b.Fatal(err)
		}
		args := []string{"-t1", "-c" + strconv.Itoa(conns), "-d" + d.String(), "-s", script}
		for k, v := range headers {
			args = append(args, "-H", k+": "+v)
		}
		cmds[k] = exec.Command("wrk", append(args, t.url+"/")...)
		cmds[k].Stdout, cmds[k].Stderr = &outs[k], &outs[k]
		if err := cmds[k].Start(); err != nil {
			b.Fatalf("wrk: %v", err)
		}
	}
	var res [2]wrkOut
	for k, c := range cmds {
		if err := c.Wait(); err != nil {
			b.Fatalf("wrk: %v\n%s", err, outs[k].String())
		}
	}
	after := m.sample()
	var wrkCPU time.Duration
	for k, c := range cmds {
		res[k] = parseWrkOut(b, outs[k].String())
		wrkCPU += c.ProcessState.UserTime() + c.ProcessState.SystemTime()
	}
	n := res[0].requests + res[1].requests
	perRequest := func(ticks float64) time.Duration { return time.Duration(ticks * float64(clockTick) / n) }
	r := pairResult{
		serverCPU: perRequest(after.servers - before.servers),
		pgCPU:     perRequest(after.postgres - before.postgres),
		wrkCPU:    time.Duration(float64(wrkCPU) / n),
		busy:      (after.busy - before.busy) / (after.total - before.total),
	}
	r.otherCPU = perRequest(after.busy-before.busy) - r.serverCPU - r.pgCPU - r.wrkCPU
	var errs []string
	for k, o := range res {
		r.reqPerSec += o.requests / o.seconds
		if o.errors != "" {
			errs = append(errs, fmt.Sprintf("wrk %d: %s", k+1, o.errors))
		}
	}
	r.errors = strings.Join(errs, "; ")
	r.p50 = pooledQuantile(res[:], 50)
	r.p99 = pooledQuantile(res[:], 99)
	return r
}

func parseWrkOut(b *testing.B, text string) wrkOut {
	b.Helper()
	var o wrkOut
	var answers []string
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 1 && f[0] == "E":
			answers = append(answers, "HTTP "+strings.Join(f[1:], " "))
		case len(f) == 8 && f[0] == "S":
			n := make([]float64, 7)
			for i := range n {
				n[i], _ = strconv.ParseFloat(f[i+1], 64)
			}
			o.requests, o.seconds = n[0], n[1]/1e6
			var errs []string
			for i, name := range []string{"connect", "read", "write", "non-2xx", "timeout"} {
				if n[i+2] > 0 {
					errs = append(errs, fmt.Sprintf("%s %.0f", name, n[i+2]))
				}
			}
			o.errors = strings.Join(errs, ", ")
		case len(f) == 3 && f[0] == "Q":
			p, _ := strconv.ParseFloat(f[1], 64)
			v, _ := strconv.ParseFloat(f[2], 64)
			o.quantiles = append(o.quantiles, [2]float64{p, v})
		}
	}
	if len(answers) > 0 {
		o.errors += " (" + strings.Join(answers, "; ") + ")"
	}
	if o.requests == 0 || o.seconds == 0 || len(o.quantiles) == 0 {
		b.Fatalf("could not read wrk's output:\n%s", text)
	}
	return o
}

// pooledQuantile is the p-th percentile of the two processes' latencies
// taken together: the smallest latency x of either table such that the
// request-weighted share of latencies at most x reaches p. Each process's
// share at x is read from its quantile table (its highest percentile whose
// latency is at most x), so the result is exact to the table's step.
func pooledQuantile(outs []wrkOut, p float64) time.Duration {
	var total float64
	var candidates []float64
	for _, o := range outs {
		total += o.requests
		for _, q := range o.quantiles {
			candidates = append(candidates, q[1])
		}
	}
	sort.Float64s(candidates)
	for _, x := range candidates {
		var share float64
		for _, o := range outs {
			var f float64
			for _, q := range o.quantiles {
				if q[1] <= x {
					f = q[0]
				}
			}
			share += o.requests * f
		}
		if share/total >= p-1e-9 {
			return time.Duration(x) * time.Microsecond
		}
	}
	return time.Duration(candidates[len(candidates)-1]) * time.Microsecond
}
