package store

import (
	"context"
	"testing"
	"time"
)

// reopen opens a second handle on the same database, as the CLI or another
// instance would.
func reopen(t *testing.T, s *Store, where string) *Store {
	t.Helper()
	var other *Store
	var err error
	if s.Dialect() == Postgres {
		other, err = OpenPostgres(context.Background(), where, PostgresOptions{})
	} else {
		other, err = OpenSQLite(context.Background(), where, SQLiteOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

// eventually polls cond until it holds or a generous deadline passes: the
// changes of another process arrive asynchronously (a poll or a NOTIFY).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Caches follow changes per license: a change to one license leaves what
// was read of another fresh, a change that may touch anything does not, a
// device merely seen again changes nothing, and this process's own
// transactions are seen at once, without waiting for the watcher.
func TestChangesAreTrackedPerLicense(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, where := open(t)
	other := reopen(t, s, where)
	go s.WatchContent(ctx)
	eventually(t, "ready", func() bool { return s.Ready(ctx) == nil })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	var companyID, pid int64
	must(other.WithTx(ctx, func(q *Queries) (err error) {
		if companyID, err = q.CreateCompany(ctx, "c", now); err != nil {
			return err
		}
		pid, err = q.CreateProduct(ctx, Product{CompanyID: companyID, ShortCode: "P", Name: "P", AuthorizationMethod: AuthLicenseKey, CreatedAt: now})
		return err
	}))
	newLicense := func(key string) int64 {
		var id int64
		must(other.WithTx(ctx, func(q *Queries) (err error) {
			id, err = q.CreateLicense(ctx, License{CompanyID: companyID, ProductID: pid, LicenseKey: &key, LicenseType: LicensePerpetual, Enabled: true, MaxActivations: 5, CreatedAt: now, UpdatedAt: now})
			return err
		}))
		return id
	}
	mark := s.Mark()
	a, b := newLicense("K-A"), newLicense("K-B")
	eventually(t, "a new license (it may change what a user finds) marks everything changed", func() bool { return !s.Fresh(mark) })
	// Changes arrive in commit order: once a later one has, every earlier
	// one has.
	settle := func() {
		m := s.Mark()
		must(other.WithTx(ctx, func(q *Queries) error { return q.SetLicenseEnabled(ctx, companyID, b, true, now) }))
		eventually(t, "a marker change on B", func() bool { return s.changes.stripes[stripe(b)].Load() > m })
	}
	settle()

	mark = s.Mark()
	must(other.WithTx(ctx, func(q *Queries) error {
		_, _, err := q.ActivateDevice(ctx, a, nil, "hw", Telemetry{}, "h", now)
		return err
	}))
	eventually(t, "another process's activation on license A reaches this one", func() bool { return !s.Fresh(mark, a) })
	if !s.Fresh(mark, b) || !s.Fresh(mark) {
		t.Fatalf("an activation on license A made license B (or everything) stale: mark %d, all %d, A %d, B %d",
			mark, s.changes.all.Load(), s.changes.stripes[stripe(a)].Load(), s.changes.stripes[stripe(b)].Load())
	}

	mark = s.Mark()
	d, err := s.Reader().Device(ctx, a, "hw")
	must(err)
	must(other.Writer().TouchDevice(ctx, d.ID, Telemetry{AppVer: "2"}, "h2", now.Add(time.Hour)))
	settle() // once it is seen, the touch would have been seen too
	if !s.Fresh(mark, a) {
		t.Fatal("a device seen again made its license stale")
	}

	mark = s.Mark()
	must(s.WithTx(ctx, func(q *Queries) error { return q.SetLicenseEnabled(ctx, companyID, a, false, now) }))
	if s.Fresh(mark, a) {
		t.Fatal("this process's own change was not seen at once")
	}
	if !s.Fresh(mark, b) {
		t.Fatal("this process's change to A made B stale")
	}
}

func TestChangeTrackerKeepsTheHighestMark(t *testing.T) {
	var c changeTracker
	c.record(changeSet{licenses: []int64{7}})
	mark := c.seq.Load()
	c.record(changeSet{licenses: []int64{7 + changeStripes}}) // same stripe
	storeMax(&c.stripes[stripe(7)], 1)                        // a late, older record
	if got := c.stripes[stripe(7)].Load(); got != mark+1 {
		t.Fatalf("stripe = %d, want %d", got, mark+1)
	}
	if parseChanged(",3,4,").licenses[1] != 4 || !parseChanged("*").all || !parseChanged("x").all || !parseChanged("").empty() {
		t.Fatal("parseChanged")
	}
}

// When this process loses track of other processes' changes, caches are
// emptied rather than left stale: on SQLite when the log was pruned past
// what it read, on PostgreSQL while the listening connection is down (every
// 250 ms until it is back, and once more then).
func TestLostChangesEmptyTheCaches(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, where := open(t)
	other := reopen(t, s, where)
	now := time.Now()
	if s.Dialect() == SQLite {
		e := s.engine.(*sqliteEngine)
		e.poll(ctx) // finds its place in the log
		for range 3 {
			_, err := other.Writer().CreateCompany(ctx, "c", now)
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := other.write.ExecContext(ctx, `DELETE FROM content_changes WHERE seq < (SELECT MAX(seq) FROM content_changes)`); err != nil {
			t.Fatal(err)
		}
		mark := s.Mark()
		e.poll(ctx)
		if s.Fresh(mark) {
			t.Fatal("a gap in the change log did not empty the caches")
		}
		return
	}
	go s.WatchContent(ctx)
	eventually(t, "ready", func() bool { return s.Ready(ctx) == nil })
	mark := s.Mark()
	if _, err := other.write.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN `+contentChannel+`'`); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the lost listener noticed", func() bool { return !s.Fresh(mark) })
	for {
		if s.Ready(ctx) == nil {
			break // reconnected
		}
		// While it is down, caches never live longer than the fallback
		// interval.
		m := s.Mark()
		eventually(t, "caches emptied while listening is down", func() bool { return !s.Fresh(m) || s.Ready(ctx) == nil })
	}
	m := s.Mark()
	if err := other.WithTx(ctx, func(q *Queries) error { _, err := q.CreateCompany(ctx, "after", now); return err }); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a change after reconnecting", func() bool { return !s.Fresh(m) })
}
