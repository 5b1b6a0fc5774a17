package ipalloc

import (
	"net/netip"
	"testing"
)

func TestCommonPrefixLen(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"10.0.0.1", "10.0.0.1", 32},
		{"10.0.0.1", "10.0.0.2", 30},
		{"10.0.0.2", "10.0.0.3", 31},
		{"10.0.0.1", "10.0.0.4", 29},
		{"10.0.1.1", "10.0.2.1", 22},
		{"10.0.0.1", "138.0.0.1", 0},
		{"fd00::1", "fd00::1", 128},
		{"fd00::1", "fd00::2", 126},
		{"fd00:1::1", "fd00:2::1", 30},
		{"fd00::1", "7d00::1", 0},
		{"10.0.0.1", "fd00::1", 0},
		{"10.0.0.1", "::ffff:10.0.0.1", 0}, // mapped form is IPv6
		{"::ffff:10.0.0.1", "::ffff:10.0.0.2", 126},
	}
	for _, c := range cases {
		a, b := netip.MustParseAddr(c.a), netip.MustParseAddr(c.b)
		if got := CommonPrefixLen(a, b); got != c.want {
			t.Errorf("CommonPrefixLen(%s, %s) = %d, want %d", a, b, got, c.want)
		}
		if got := CommonPrefixLen(b, a); got != c.want {
			t.Errorf("CommonPrefixLen(%s, %s) = %d, want %d (not symmetric)", b, a, got, c.want)
		}
	}
	if got := CommonPrefixLen(netip.Addr{}, netip.Addr{}); got != 0 {
		t.Errorf("invalid addresses share %d bits, want 0", got)
	}
}

func TestCost(t *testing.T) {
	cases := []struct {
		name  string
		addrs string
		want  uint64
	}{
		{"empty", "", 0},
		{"single", "10.0.0.1", 0},
		{"pair", "10.0.0.1 10.0.0.2", 30 * 30},
		{"triple", "10.0.0.1 10.0.0.2 10.0.0.4", 30*30 + 29*29 + 29*29},
		{"two subnets", "10.0.1.1 10.0.2.1", 22 * 22},
		{"mixed families", "10.0.0.1 fd00::1", 0},
		{"ipv6 pair", "fd00::1 fd00::2", 126 * 126},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Cost(parseAddrs(c.addrs)); got != c.want {
				t.Errorf("Cost(%s) = %d, want %d", c.addrs, got, c.want)
			}
		})
	}
}
