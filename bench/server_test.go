// Package bench measures licensor as it runs in production: the static
// binary with default settings on loopback, driven from this process. Run it
// with bench/run.sh, which prints the figures the README publishes.
package bench

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/password"
)

// server is a running `licensor serve` subprocess.
type server struct {
	url       string
	pid       int
	apiKey    string
	sharedKey string
	stop      func()
}

// buildBinary builds licensor with CGO_ENABLED=0 into dir.
func buildBinary(b *testing.B, dir string) string {
	b.Helper()
	return buildProgram(b, dir, "../cmd/licensor", "licensor")
}

// buildProgram builds the Go program at pkg into dir/name (the licensor
// binary, or a baseline server such as ./hello and ./txbase).
func buildProgram(b *testing.B, dir, pkg, name string) string {
	b.Helper()
	bin := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// provision initializes dataDir in-process with production settings and
// creates users license users with known passwords, returned by email.
func provision(b *testing.B, dataDir string, users int) (apiKey, sharedKey string, passwords map[string]string) {
	b.Helper()
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{
		DataDir: dataDir, KeyBits: 2048, Argon2: password.DefaultParams,
		HashPool: password.PoolConfig{Workers: 2, Queue: users}, Throttle: licensing.DefaultThrottle,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	companyID, cred, err := a.Service.Init(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	svc := a.Service
	if err := svc.SetCompanySetting(ctx, companyID, "allow_change_password", "true"); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.CreateProduct(ctx, companyID, licensing.ProductSpec{Code: "BENCH", Name: "Bench", AuthorizationMethod: "user"}); err != nil {
		b.Fatal(err)
	}
	lic, err := svc.CreateLicense(ctx, companyID, licensing.LicenseSpec{Product: "BENCH"})
	if err != nil {
		b.Fatal(err)
	}
	passwords = make(map[string]string, users)
	errs := make(chan error, users)
	for i := range users {
		email := fmt.Sprintf("user%03d@example.com", i)
		passwords[email] = "password-a-" + strconv.Itoa(i)
		go func(email, pw string) {
			_, err := svc.CreateLicenseUser(ctx, companyID, licensing.UserSpec{LicenseID: lic.ID, Email: email, Password: pw})
			errs <- err
		}(email, passwords[email])
	}
	for range users {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	return cred.APIKey, cred.SharedKey, passwords
}

// startServer runs `licensor serve` with default settings.
func startServer(b *testing.B, bin, dataDir, apiKey, sharedKey string) *server {
	b.Helper()
	addr := freeAddr(b)
	pid, stop := startProcess(b, "http://"+addr+"/healthz", bin, "serve", "--data", dataDir, "--addr", addr, "--log-level", "warn", "--rate-limits=false")
	return &server{url: "http://" + addr, pid: pid, apiKey: apiKey, sharedKey: sharedKey, stop: stop}
}

// peakRSS reads the process's resident-set high-water mark in MiB.
func peakRSS(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// resetPeakRSS starts a new high-water mark (Linux clear_refs "5").
func resetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// signedPost sends a signed JSON POST and returns the status.
func (s *server) signedPost(c *http.Client, path, body string) (int, error) {
	req, err := http.NewRequest("POST", s.url+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	date := time.Now().UTC().Format(http.TimeFormat)
	req.Header.Set("Date", date)
	req.Header.Set("Authorization", auth.AuthorizationHeader(s.apiKey, []byte(s.sharedKey), date))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	var buf [512]byte
	for {
		if _, err := resp.Body.Read(buf[:]); err != nil {
			break
		}
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// envInt reads a positive integer setting of the benchmarks.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
