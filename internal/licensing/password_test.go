package licensing

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/password"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/seal"
	"github.com/licensor/licensor/internal/store"
)

// openStore opens a migrated SQLite database under t.TempDir().
func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "l.db"), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func newService(t *testing.T, st *store.Store, p password.Params) *Service {
	t.Helper()
	h, err := password.NewHasher(p, password.PoolConfig{Workers: 1, Queue: 10})
	if err != nil {
		t.Fatal(err)
	}
	box, _ := seal.New(bytes.Repeat([]byte{1}, seal.KeySize))
	s, err := New(st, h, box, Config{Throttle: DefaultThrottle}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A password stored with weaker parameters than the current ones is
// re-hashed on the next successful check, and only then.
func TestAuthenticateUserRehashesWeakHashes(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	weak := newService(t, st, password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	companyID, _, err := weak.Init(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := weak.CreateProduct(ctx, companyID, ProductSpec{Code: "U", Name: "U", AuthorizationMethod: "user"}); err != nil {
		t.Fatal(err)
	}
	lic, err := weak.CreateLicense(ctx, companyID, LicenseSpec{Product: "U"})
	if err != nil {
		t.Fatal(err)
	}
	nu, err := weak.CreateLicenseUser(ctx, companyID, UserSpec{LicenseID: lic.ID, Email: "u@example.com", Password: "the password"})
	if err != nil {
		t.Fatal(err)
	}
	stored := func() string {
		u, err := st.Reader().LicenseUser(ctx, companyID, nu.ID)
		if err != nil {
			t.Fatal(err)
		}
		return u.PasswordHash
	}
	weakHash := stored()
	if !strings.Contains(weakHash, "m=64,t=1,p=1") {
		t.Fatalf("weak hash %q", weakHash)
	}

	strong := newService(t, st, password.Params{Memory: 128, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32})
	_, err = strong.authenticateUser(ctx, companyID, "u@example.com", "wrong", "10.0.0.1")
	if pe, ok := problem.As(err); !ok || pe.Code != problem.CodeUserNotFound {
		t.Fatalf("wrong password: %v, want user_not_found", err)
	}
	if stored() != weakHash {
		t.Fatal("a failed check re-hashed the password")
	}
	u, err := strong.authenticateUser(ctx, companyID, "U@Example.com|ACME", "the password", "10.0.0.1")
	if err != nil {
		t.Fatalf("right password: %v", err)
	}
	if h := stored(); h == weakHash || !strings.Contains(h, "m=128,t=2,p=1") || u.PasswordHash != h {
		t.Fatalf("after a successful check the hash is %q, want one with m=128,t=2", h)
	}
	// The upgraded hash still verifies the same password, and a second
	// check does not re-hash again.
	h := stored()
	if _, err := strong.authenticateUser(ctx, companyID, "u@example.com", "the password", ""); err != nil {
		t.Fatal(err)
	}
	if stored() != h {
		t.Fatal("an up-to-date hash was re-hashed")
	}
	if _, err := strong.authenticateUser(ctx, companyID, "nobody@example.com", "the password", ""); err == nil {
		t.Fatal("unknown user authenticated")
	}
}

func TestPasswordPolicy(t *testing.T) {
	for _, tt := range []struct {
		pw, current string
		ok          bool
	}{
		{"12345678", "", true},
		{"1234567", "", false},
		{strings.Repeat("x", 256), "", true},
		{strings.Repeat("x", 257), "", false},
		{"éééééééé", "", true}, // 8 runes, 16 bytes
		{"        ", "", false},
		{"same password", "same password", false},
	} {
		if got := passwordRuleBroken(tt.pw, tt.current) == ""; got != tt.ok {
			t.Errorf("policy(%q, %q) ok = %v, want %v", tt.pw, tt.current, got, tt.ok)
		}
	}
}

func TestThrottleRetryAfter(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	s := newService(t, st, password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	clock := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return clock }
	s.cfg.Throttle = ThrottleConfig{PerUser: 2, PerIP: 100, Window: 10 * time.Minute}
	for range 2 {
		if _, err := s.reserveAttempt(ctx, 1, "a@b.c", "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(time.Minute)
	}
	// Two attempts kept (failures) at 12:00 and 12:01; now 12:02. The
	// window began at 12:00 and ends at 12:10: retry after 8 minutes. The
	// username is matched case-insensitively, whatever the IP.
	_, err := s.reserveAttempt(ctx, 1, "A@B.C", "10.9.9.9")
	pe, ok := problem.As(err)
	if !ok || pe.Code != problem.CodeTooManyRequests || pe.RetryAfter != 8*time.Minute {
		t.Fatalf("reserveAttempt = %v (retry %v), want too_many_requests after 8m", err, pe)
	}
	if _, err := s.reserveAttempt(ctx, 2, "a@b.c", "10.9.9.9"); err != nil {
		t.Fatalf("another company's user was throttled: %v", err)
	}
	// A refused user takes nothing from the IP: 10.9.9.9 holds one
	// reservation (company 2's), so 99 more fit.
	clock = clock.Add(8*time.Minute + time.Second)
	a, err := s.reserveAttempt(ctx, 1, "a@b.c", "10.9.9.9")
	if err != nil {
		t.Fatalf("after the window ended: %v", err)
	}
	// A released attempt is given back.
	s.release(a)
	for range 2 {
		if _, err := s.reserveAttempt(ctx, 1, "a@b.c", "10.9.9.9"); err != nil {
			t.Fatalf("after a release: %v", err)
		}
	}
}

// An IPv6 client is throttled per /64: rotating addresses within it does
// not get more guesses.
func TestThrottleCountsIPv6PerSlash64(t *testing.T) {
	ctx := context.Background()
	s := newService(t, openStore(t), password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	s.cfg.Throttle = ThrottleConfig{PerUser: 100, PerIP: 2, Window: 10 * time.Minute}
	for i, ip := range []string{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9"} {
		if _, err := s.reserveAttempt(ctx, 1, fmt.Sprintf("u%d@b.c", i), ip); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.reserveAttempt(ctx, 1, "u3@b.c", "2001:db8:1:2::abcd"); err == nil {
		t.Fatal("a third address in the same /64 got another attempt")
	}
	if _, err := s.reserveAttempt(ctx, 1, "u4@b.c", "2001:db8:1:3::1"); err != nil {
		t.Fatalf("another /64 was throttled: %v", err)
	}
}
