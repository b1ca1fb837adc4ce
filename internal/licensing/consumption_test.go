package licensing

import (
	"testing"
	"time"

	"github.com/licensor/licensor/internal/store"
)

func TestPeriodBounds(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tt := range []struct {
		period, anchor, now, start, end string
	}{
		{"daily", "2026-01-31T10:00:00Z", "2026-01-31T10:00:00Z", "2026-01-31T10:00:00Z", "2026-02-01T10:00:00Z"},
		{"daily", "2026-01-31T10:00:00Z", "2026-02-01T09:59:59Z", "2026-01-31T10:00:00Z", "2026-02-01T10:00:00Z"},
		{"daily", "2026-01-31T10:00:00Z", "2026-03-05T10:00:00Z", "2026-03-05T10:00:00Z", "2026-03-06T10:00:00Z"},
		{"weekly", "2026-01-01T00:00:00Z", "2026-01-15T00:00:00Z", "2026-01-15T00:00:00Z", "2026-01-22T00:00:00Z"},
		{"weekly", "2026-01-01T00:00:00Z", "2026-01-14T23:59:59Z", "2026-01-08T00:00:00Z", "2026-01-15T00:00:00Z"},
		// Calendar months from the anchor's day; Go normalizes 31 February
		// to 3 March.
		{"monthly", "2026-01-15T08:00:00Z", "2026-03-15T07:59:59Z", "2026-02-15T08:00:00Z", "2026-03-15T08:00:00Z"},
		{"monthly", "2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z", "2026-01-31T00:00:00Z", "2026-03-03T00:00:00Z"},
		{"monthly", "2025-11-10T00:00:00Z", "2026-01-10T00:00:00Z", "2026-01-10T00:00:00Z", "2026-02-10T00:00:00Z"},
		{"annually", "2024-02-29T00:00:00Z", "2025-03-01T00:00:00Z", "2025-03-01T00:00:00Z", "2026-03-01T00:00:00Z"},
		{"annually", "2024-06-01T00:00:00Z", "2026-05-31T23:59:59Z", "2025-06-01T00:00:00Z", "2026-06-01T00:00:00Z"},
		// Before the license starts, the first period is the current one.
		{"daily", "2026-05-01T00:00:00Z", "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z", "2026-05-02T00:00:00Z"},
	} {
		p := tt.period
		l := &store.License{CreatedAt: at(tt.anchor)}
		start, end := periodBounds(l, true, &p, at(tt.now))
		if !start.Equal(at(tt.start)) || !end.Equal(at(tt.end)) {
			t.Errorf("%s from %s at %s: [%s, %s), want [%s, %s)", p, tt.anchor, tt.now, start.Format(time.RFC3339), end.Format(time.RFC3339), tt.start, tt.end)
		}
	}
	// The start date, when set, is the anchor; without a reset there is no
	// period at all.
	p := "daily"
	sd := at("2026-01-01T12:00:00Z")
	l := &store.License{CreatedAt: at("2025-01-01T00:00:00Z"), StartDate: &sd}
	if start, _ := periodBounds(l, true, &p, at("2026-01-03T13:00:00Z")); !start.Equal(at("2026-01-03T12:00:00Z")) {
		t.Errorf("start-date anchor: %s", start)
	}
	if start, end := periodBounds(l, false, &p, at("2026-01-03T13:00:00Z")); !start.IsZero() || !end.IsZero() || periodStart(l, true, nil, sd) != 0 {
		t.Error("a counter without reset has a period")
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"1.10.0", "1.9.0", 1}, {"2.0", "2.0.1", -1}, {"1.0.0", "1.0.0", 0}, {"2.0.0-beta", "2.0.0", 1},
		{"10", "9", 1}, {"1.0.0-rc2", "1.0.0-rc10", 1}, // text parts compare as text
	} {
		if got := compareVersions(tt.a, tt.b); (got > 0) != (tt.want > 0) || (got < 0) != (tt.want < 0) {
			t.Errorf("compareVersions(%q, %q) = %d, want sign of %d", tt.a, tt.b, got, tt.want)
		}
	}
}
