package bench

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/licensor/licensor/internal/password"
)

// hashTimes measures n Argon2id hashes at the production defaults, one at
// a time on one goroutine, in this run, on this machine: the baseline the
// server's throughput is compared with.
func hashTimes(n int) []time.Duration {
	p := password.DefaultParams
	salt := make([]byte, p.SaltLen)
	_, _ = rand.Read(salt)
	argon2.IDKey([]byte("warm up"), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	out := make([]time.Duration, n)
	for i := range out {
		start := time.Now()
		argon2.IDKey([]byte("a password"), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
		out[i] = time.Since(start)
	}
	return out
}

// median of samples taken before and after the load, so that a machine
// whose speed drifts (a shared VM) is measured as it was during the load.
func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// userPool hands each worker a user and flips that user's password between
// two values, so every request is a successful change.
type userPool struct {
	mu    sync.Mutex
	free  []string
	pw    map[string]string
	other map[string]string
}

func newUserPool(passwords map[string]string) *userPool {
	p := &userPool{pw: passwords, other: map[string]string{}}
	for email, pw := range passwords {
		p.free = append(p.free, email)
		p.other[email] = pw + "-b"
	}
	sort.Strings(p.free)
	return p
}

func (p *userPool) take() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.free[len(p.free)-1]
	p.free = p.free[:len(p.free)-1]
	return e
}

func (p *userPool) put(email string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free = append(p.free, email)
}

// next returns the request body that changes email's password, and
// records the change.
func (p *userPool) next(email string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur, nxt := p.pw[email], p.other[email]
	p.pw[email], p.other[email] = nxt, cur
	b, _ := json.Marshal(map[string]string{"username": email, "password": cur, "new_password": nxt})
	return string(b)
}

// run sends total change_password requests from conc workers and returns
// the elapsed time and the statuses seen.
func run(b *testing.B, s *server, users *userPool, conc, total int) (time.Duration, map[int]int) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}, Timeout: 2 * time.Minute}
	var next atomic.Int64
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(total) {
				email := users.take()
				code, err := s.signedPost(client, "/api/v4/change_password", users.next(email))
				users.put(email)
				if err != nil {
					b.Error(err)
					return
				}
				mu.Lock()
				statuses[code]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return time.Since(start), statuses
}

// BenchmarkChangePassword reports change_password throughput under
// concurrency against the Argon2id bound, and the server's peak RSS during a
// flood of 200 concurrent requests. It sends a fixed number of requests
// (BENCH_CHANGES, default 400) whatever b.N is: run it with -benchtime=1x
// (bench/run.sh).
func BenchmarkChangePassword(b *testing.B) {
	changes := envInt("BENCH_CHANGES", 400)
	dir := b.TempDir()
	bin := buildBinary(b, dir)
	const floodUsers = 200
	apiKey, sharedKey, passwords := provision(b, dir+"/data", floodUsers)
	s := startServer(b, bin, dir+"/data", apiKey, sharedKey)
	defer s.stop()
	users := newUserPool(passwords)

	cores := runtime.NumCPU()
	samples := hashTimes(10)

	// Warm up connections and the server's heap.
	run(b, s, users, 4, 8)

	const conc = 16
	elapsed, statuses := run(b, s, users, conc, changes)
	if statuses[200] != changes {
		b.Fatalf("throughput phase: statuses %v, want %d × 200", statuses, changes)
	}
	tHash := median(append(samples, hashTimes(10)...))
	// One change is two Argon2id evaluations: verify the current password,
	// hash the new one.
	boundHashes := float64(cores) / tHash.Seconds()
	reqPerSec := float64(changes) / elapsed.Seconds()
	ratio := 2 * reqPerSec / boundHashes

	if err := resetPeakRSS(s.pid); err != nil {
		b.Fatalf("reset peak RSS: %v", err)
	}
	floodElapsed, floodStatuses := run(b, s, users, floodUsers, floodUsers)
	rss, err := peakRSS(s.pid)
	if err != nil {
		b.Fatal(err)
	}

	b.ReportMetric(tHash.Seconds()*1000, "ms/hash")
	b.ReportMetric(boundHashes/2, "bound-req/s")
	b.ReportMetric(reqPerSec, "req/s")
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(rss, "flood-peak-RSS-MiB")
	b.Logf("cores=%d Argon2id(m=%d KiB,t=%d,p=%d) one hash %.1f ms -> bound %.1f hashes/s = %.1f changes/s (2 hashes per change)",
		cores, password.DefaultParams.Memory, password.DefaultParams.Time, password.DefaultParams.Threads, tHash.Seconds()*1000, boundHashes, boundHashes/2)
	b.Logf("throughput: %d changes by %d clients in %.2fs = %.1f changes/s = %.1f hashes/s, %.2f× the bound (target >= 0.9)",
		changes, conc, elapsed.Seconds(), reqPerSec, 2*reqPerSec, ratio)
	b.Logf("flood: %d concurrent changes in %.2fs, statuses %v, server peak RSS %.1f MiB (target <= 300)",
		floodUsers, floodElapsed.Seconds(), fmt.Sprint(floodStatuses), rss)
}
