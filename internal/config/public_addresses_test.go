package config

import (
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParsePublicAddresses_Good(t *testing.T) {
	p := netip.MustParsePrefix
	tests := []struct {
		name    string
		content string
		want    []PublicAddress
	}{
		{"empty", "", nil},
		{"comments", "# none yet\n\n", nil},
		{"one, not masked", "10.0.0.5/24 eth0\n", []PublicAddress{{p("10.0.0.5/24"), []string{"eth0"}}}},
		{"several ifaces and spacing", "\t10.0.0.6/24   eth0,eth1  \n# c\n192.168.1.9/32 bond0.100\n", []PublicAddress{
			{p("10.0.0.6/24"), []string{"eth0", "eth1"}},
			{p("192.168.1.9/32"), []string{"bond0.100"}}}},
		{"ipv6", "fd00::10/64 eth0\n", []PublicAddress{{p("fd00::10/64"), []string{"eth0"}}}},
		{"15-char iface", "10.0.0.5/24 abcdefghijklmno\n", []PublicAddress{{p("10.0.0.5/24"), []string{"abcdefghijklmno"}}}},
		{"same subnet, different addresses", "10.0.0.5/24 eth0\n10.0.0.6/24 eth0\n", []PublicAddress{
			{p("10.0.0.5/24"), []string{"eth0"}}, {p("10.0.0.6/24"), []string{"eth0"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePublicAddresses(writeTemp(t, t.TempDir(), "public_addresses", tt.content))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParsePublicAddresses_Unmasked(t *testing.T) {
	got, err := ParsePublicAddresses(writeTemp(t, t.TempDir(), "public_addresses", "10.0.0.5/24 eth0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a := got[0].Prefix.Addr().String(); a != "10.0.0.5" {
		t.Errorf("Addr = %s, want 10.0.0.5 (not masked)", a)
	}
	if s := got[0].Prefix.String(); s != "10.0.0.5/24" {
		t.Errorf("Prefix = %s", s)
	}
}

func TestParsePublicAddresses_Bad(t *testing.T) {
	tests := []struct {
		name    string
		content string
		line    int
		problem string
	}{
		{"no iface", "10.0.0.5/24\n", 1, `expected "ADDR/MASK IFACE[,IFACE...]"`},
		{"extra field", "10.0.0.5/24 eth0 eth1\n", 1, `expected "ADDR/MASK IFACE[,IFACE...]"`},
		{"no mask", "# x\n10.0.0.5 eth0\n", 2, `invalid address "10.0.0.5": expected ADDR/MASK`},
		{"bad address", "10.0.0.x/24 eth0\n", 1, `invalid address "10.0.0.x"`},
		{"mask too big v4", "10.0.0.5/33 eth0\n", 1, `invalid mask "33" in "10.0.0.5/33": must be 1-32`},
		{"mask too big v6", "fd00::1/129 eth0\n", 1, "must be 1-128"},
		{"mask zero", "10.0.0.5/0 eth0\n", 1, `invalid mask "0"`},
		{"mask not a number", "10.0.0.5/ff eth0\n", 1, `invalid mask "ff"`},
		{"empty iface", "10.0.0.5/24 eth0,,eth1\n", 1, `invalid interface name ""`},
		{"trailing comma", "10.0.0.5/24 eth0,\n", 1, `invalid interface name ""`},
		{"iface too long", "10.0.0.5/24 abcdefghijklmnop\n", 1, "longer than 15 characters"},
		{"iface with slash", "10.0.0.5/24 eth/0\n", 1, `invalid interface name "eth/0"`},
		{"iface with colon", "10.0.0.5/24 eth0:1\n", 1, `invalid interface name "eth0:1"`},
		{"iface dot", "10.0.0.5/24 ..\n", 1, `invalid interface name ".."`},
		{"iface twice", "10.0.0.5/24 eth0,eth0\n", 1, `interface "eth0" listed twice`},
		{"duplicate address", "10.0.0.5/24 eth0\n\n10.0.0.5/16 eth1\n", 3, "duplicate address 10.0.0.5 (also on line 1)"},
		{"multicast", "239.1.1.1/24 eth0\n", 1, "not a unicast address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, t.TempDir(), "public_addresses", tt.content)
			got, err := ParsePublicAddresses(path)
			wantFileError(t, err, path, tt.line, tt.problem)
			if got != nil {
				t.Errorf("got addresses with the error: %v", got)
			}
		})
	}
}

func TestParsePublicAddresses_Missing(t *testing.T) {
	got, err := ParsePublicAddresses(filepath.Join(t.TempDir(), "public_addresses"))
	if err != nil || got != nil {
		t.Errorf("missing file: %v, %v; want nil, nil", got, err)
	}
}

func TestParsePublicAddresses_Unreadable(t *testing.T) {
	dir := t.TempDir() // a directory cannot be read as a file
	_, err := ParsePublicAddresses(dir)
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("err = %v, want an error naming %s", err, dir)
	}
}
