package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/pgtest"
)

// open opens a migrated store on the engine the suite runs on; the string
// is the SQLite file or the PostgreSQL URL.
func open(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "licensor.db")
	var s *Store
	var err error
	if url := pgtest.NewDatabase(t); url != "" {
		path = url
		s, err = OpenPostgres(context.Background(), url, PostgresOptions{})
	} else {
		s, err = OpenSQLite(context.Background(), path, SQLiteOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, path
}

func TestMigrateIsIdempotentAndRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	var n int64
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != SchemaVersion(SQLite) {
		t.Fatalf("schema_migrations has %d rows (%v), want %d", n, err, SchemaVersion(SQLite))
	}
	if s.Dialect() == SQLite {
		var mode string
		if err := s.read.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
			t.Fatalf("journal_mode = %q (%v), want wal", mode, err)
		}
	}
	if _, err := s.write.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "upgrade licensor") {
		t.Fatalf("Migrate on a newer schema = %v, want a refusal", err)
	}
}

func TestReadPoolIsReadOnly(t *testing.T) {
	s, _ := open(t)
	if _, err := s.Reader().CreateCompany(context.Background(), "x", time.Now()); err == nil {
		t.Fatal("the read pool accepted a write")
	}
}

func seedUser(t *testing.T, s *Store) (companyID int64, u LicenseUser) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	companyID, err := s.Writer().CreateCompany(ctx, "c", now)
	if err != nil {
		t.Fatal(err)
	}
	u = LicenseUser{CompanyID: companyID, Email: "Ann@Example.com", PasswordHash: "h1", IsActive: true, IsInitialPassword: true, CreatedAt: now}
	sealed := "sealed"
	u.InitialPasswordSealed = &sealed
	if u.ID, err = s.Writer().CreateLicenseUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return companyID, u
}

func TestLicenseUsersAreCaseInsensitiveAndUnique(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	companyID, u := seedUser(t, s)
	got, err := s.Reader().LicenseUserByEmail(ctx, companyID, "  ann@EXAMPLE.com ")
	if err != nil || got.ID != u.ID || got.Email != "Ann@Example.com" {
		t.Fatalf("lookup by other case = %+v, %v", got, err)
	}
	dup := u
	dup.Email = "ANN@example.com"
	if _, err := s.Writer().CreateLicenseUser(ctx, dup); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate email = %v, want ErrConflict", err)
	}
	if _, err := s.Reader().LicenseUserByEmail(ctx, companyID, "nobody@example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown email = %v, want ErrNotFound", err)
	}
}

func TestReplacePasswordIsCompareAndSwap(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	companyID, u := seedUser(t, s)
	now := time.Now()
	if err := s.Writer().ReplacePassword(ctx, u.ID, "h1", "h2", now); err != nil {
		t.Fatal(err)
	}
	if err := s.Writer().ReplacePassword(ctx, u.ID, "h1", "h3", now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second swap from the old hash = %v, want ErrNotFound", err)
	}
	got, _ := s.Reader().LicenseUser(ctx, companyID, u.ID)
	if got.PasswordHash != "h2" || got.IsInitialPassword || got.InitialPasswordSealed != nil || got.PasswordChangedAt == nil {
		t.Fatalf("after change: %+v", got)
	}
	if err := s.Writer().SetLicenseUserActive(ctx, companyID, u.ID, false, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Writer().ReplacePassword(ctx, u.ID, "h2", "h4", now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("swap on an inactive user = %v, want ErrNotFound", err)
	}
}

func TestThrottleWindows(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := s.Writer()
	reserve := func(bucket string, at time.Time) (bool, time.Time, time.Time) {
		t.Helper()
		ok, from, until, err := w.ReserveAttempt(ctx, ThrottleIP, bucket, 2, 10*time.Minute, at)
		if err != nil {
			t.Fatal(err)
		}
		return ok, from, until
	}
	if ok, from, _ := reserve("10.0.0.1", t0); !ok || !from.Equal(t0) {
		t.Fatalf("first attempt: ok=%v window from %v", ok, from)
	}
	if ok, _, _ := reserve("10.0.0.1", t0.Add(time.Minute)); !ok {
		t.Fatal("second attempt refused")
	}
	// The third within the window is refused until the window ends.
	if ok, _, until := reserve("10.0.0.1", t0.Add(2*time.Minute)); ok || !until.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("third attempt: ok=%v until %v", ok, until)
	}
	if ok, _, _ := reserve("10.0.0.2", t0.Add(2*time.Minute)); !ok {
		t.Fatal("another bucket was refused")
	}
	// A released attempt frees its place in the same window.
	must(t, w.ReleaseAttempt(ctx, ThrottleIP, "10.0.0.1", t0))
	if ok, _, _ := reserve("10.0.0.1", t0.Add(3*time.Minute)); !ok {
		t.Fatal("refused after a release")
	}
	// A new window starts afresh, and a release of the old one gives
	// nothing back to it.
	if ok, from, _ := reserve("10.0.0.1", t0.Add(10*time.Minute)); !ok || !from.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("new window: ok=%v from %v", ok, from)
	}
	must(t, w.ReleaseAttempt(ctx, ThrottleIP, "10.0.0.1", t0))
	reserve("10.0.0.1", t0.Add(11*time.Minute))
	if ok, _, _ := reserve("10.0.0.1", t0.Add(11*time.Minute)); ok {
		t.Fatal("a release of an old window freed a place in the new one")
	}
	// Windows that are over are pruned; current ones stay.
	if n, err := w.PruneAttempts(ctx, ThrottleIP, t0.Add(5*time.Minute)); err != nil || n != 1 {
		t.Fatalf("PruneAttempts = %d, %v; want 1 (10.0.0.2)", n, err)
	}
	// Giving back a window's only attempt leaves no row behind: a request
	// that did not count changes nothing.
	ok, from, _ := reserve("10.0.0.3", t0)
	if !ok {
		t.Fatal("refused")
	}
	must(t, w.ReleaseAttempt(ctx, ThrottleIP, "10.0.0.3", from))
	var n int
	must(t, s.read.QueryRow(`SELECT count(*) FROM throttle_windows WHERE bucket = '10.0.0.3'`).Scan(&n))
	if n != 0 {
		t.Fatalf("%d rows left after giving back the only attempt", n)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestLicenseRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	companyID, _ := s.Writer().CreateCompany(ctx, "c", now)
	productID, err := s.Writer().CreateProduct(ctx, Product{CompanyID: companyID, ShortCode: "P", Name: "P", AuthorizationMethod: AuthLicenseKey, CreatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Writer().CreateProduct(ctx, Product{CompanyID: companyID, ShortCode: "P", Name: "again", AuthorizationMethod: AuthUser, CreatedAt: now}); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate product code = %v, want ErrConflict", err)
	}
	key, validity, period := "AAAA-BBBB", now.Add(24*time.Hour), "monthly"
	in := License{CompanyID: companyID, ProductID: productID, LicenseKey: &key, LicenseType: LicenseConsumption, Enabled: true,
		ValidityPeriod: &validity, MaxActivations: 3, ConsumptionPeriod: &period, MaxConsumptions: 10, CreatedAt: now, UpdatedAt: now}
	id, err := s.Writer().CreateLicense(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Reader().License(ctx, companyID, id)
	if err != nil {
		t.Fatal(err)
	}
	if *got.LicenseKey != key || !got.ValidityPeriod.Equal(validity) || got.MaxActivations != 3 || *got.ConsumptionPeriod != period ||
		got.MaxConsumptions != 10 || got.StartDate != nil || got.CustomerID != nil || got.Metadata != "{}" || !got.Enabled {
		t.Fatalf("license round trip: %+v", got)
	}
	if _, err := s.Writer().CreateLicense(ctx, in); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate key = %v, want ErrConflict", err)
	}
	if err := s.Writer().SetLicenseEnabled(ctx, companyID, id+100, false, now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("disable unknown license = %v, want ErrNotFound", err)
	}
}

// Answered writes are on disk before the answer: synchronous=FULL unless
// the operator chose normal.
func TestSynchronousIsFullByDefault(t *testing.T) {
	for _, tt := range []struct {
		opt  string
		want int
	}{{"", 2}, {"full", 2}, {"FULL", 2}, {"normal", 1}} {
		st, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "l.db"), SQLiteOptions{Synchronous: tt.opt})
		if err != nil {
			t.Fatal(err)
		}
		var got int
		err = st.write.QueryRow(`PRAGMA synchronous`).Scan(&got)
		st.Close()
		if err != nil || got != tt.want {
			t.Fatalf("synchronous %q: PRAGMA synchronous = %d (%v), want %d", tt.opt, got, err, tt.want)
		}
	}
	if _, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "l.db"), SQLiteOptions{Synchronous: "off"}); err == nil {
		t.Fatal("synchronous=off was accepted")
	}
}
