package ratelimit

import "testing"

func TestIPKey(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"192.0.2.1", "192.0.2.1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"},
		{"2001:DB8:1:2::1", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"::1", "::/64"},
		{"", ""},
		{"not an ip", "not an ip"},
		{"192.0.2.1:443", "192.0.2.1:443"},
		{"[2001:db8::1]:443", "[2001:db8::1]:443"},
		{"192.0.2.001", "192.0.2.001"},
		{"@unix", "@unix"},
	} {
		if got := IPKey(c.in); got != c.want {
			t.Errorf("IPKey(%q) = %q, want %q", c.in, got, c.want)
		}
	}

	if a, b := IPKey("2001:db8:1:2::1"), IPKey("2001:db8:1:2:ffff:ffff:ffff:ffff"); a != b {
		t.Errorf("two addresses in one /64 got keys %q and %q, want one", a, b)
	}
	if a, b := IPKey("2001:db8:1:2::1"), IPKey("2001:db8:1:3::1"); a == b {
		t.Errorf("addresses in different /64s share key %q", a)
	}
	if a, b := IPKey("192.0.2.1"), IPKey("192.0.2.2"); a == b {
		t.Errorf("distinct IPv4 addresses share key %q", a)
	}
}

func BenchmarkIPKey(b *testing.B) {
	for _, ip := range []string{"192.0.2.1", "2001:db8:1:2:aaaa:bbbb:cccc:dddd"} {
		b.Run(ip, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				IPKey(ip)
			}
		})
	}
}
