package ratelimit

import (
	"strings"
	"testing"
	"time"
)

func TestParseRule(t *testing.T) {
	ok := []struct {
		in   string
		want Rule
	}{
		{"200/10s", Rule{200, 10 * time.Second}},
		{"1000/1m", Rule{1000, time.Minute}},
		{" 5 / 1h ", Rule{5, time.Hour}},
		{"5/s", Rule{5, time.Second}},
		{"10/m", Rule{10, time.Minute}},
		{"3/1.5s", Rule{3, 1500 * time.Millisecond}},
		{"1/500ms", Rule{1, 500 * time.Millisecond}},
		{"0", Rule{}},
		{"off", Rule{}},
		{"OFF", Rule{}},
		{"0/10s", Rule{}},
	}
	for _, c := range ok {
		got, err := ParseRule(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseRule(%q) = %+v, %v; want %+v, nil", c.in, got, err, c.want)
		}
	}

	bad := []struct{ in, msg string }{
		{"", "LIMIT/WINDOW"},
		{"200", "LIMIT/WINDOW"},
		{"on", "LIMIT/WINDOW"},
		{"/10s", "limit"},
		{"-1/10s", "limit"},
		{"1.5/10s", "limit"},
		{"ten/10s", "limit"},
		{"99999999999999999999/1s", "limit"},
		{"200/", "window"},
		{"200/10", "window"},
		{"200/0s", "window"},
		{"200/-10s", "window"},
		{"200/10 parsecs", "window"},
		{"200/10s/1", "window"},
	}
	for _, c := range bad {
		got, err := ParseRule(c.in)
		if err == nil {
			t.Errorf("ParseRule(%q) = %+v, nil; want an error", c.in, got)
			continue
		}
		if !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), c.in) {
			t.Errorf("ParseRule(%q) error %q does not quote the input and mention %q", c.in, err, c.msg)
		}
	}
}

func TestRuleStringRoundTrip(t *testing.T) {
	for _, r := range []Rule{{200, 10 * time.Second}, {1000, time.Minute}, {7, 1500 * time.Millisecond}, {}} {
		got, err := ParseRule(r.String())
		if err != nil || got != r {
			t.Errorf("ParseRule(%q) = %+v, %v; want %+v", r.String(), got, err, r)
		}
	}
	if s := (Rule{Limit: 5}).String(); s != "off" {
		t.Errorf("Rule without a window prints %q, want off", s)
	}
}

func TestRuleEnabled(t *testing.T) {
	for _, c := range []struct {
		r    Rule
		want bool
	}{
		{Rule{200, 10 * time.Second}, true},
		{Rule{}, false},
		{Rule{Limit: 5}, false},
		{Rule{Window: time.Second}, false},
		{Rule{-1, time.Second}, false},
		{Rule{1, -time.Second}, false},
	} {
		if got := c.r.Enabled(); got != c.want {
			t.Errorf("%+v.Enabled() = %v, want %v", c.r, got, c.want)
		}
	}
}
