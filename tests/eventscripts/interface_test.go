package eventscripts_test

import (
	"path/filepath"
	"strings"
	"testing"
)

const ifaceScript = "10.interface"

func TestInterfaceTakeIP(t *testing.T) {
	for _, sh := range shells(t) {
		t.Run(sh, func(t *testing.T) {
			n := newIPNode(t)
			n.shell = sh
			n.link("eth0", linkUp)
			n.setAddrs("eth0", "192.168.1.1/24")
			expectEmpty(t, "takeip", n.script(ifaceScript, "takeip", "eth0", "10.0.0.5", "24"))
			expectAddrs(t, n, "eth0", "192.168.1.1/24", "10.0.0.5/24")
			expectCalls(t, "takeip", changes(n.ipCalls()), "addr add 10.0.0.5/24 brd + dev eth0")

			// Already there: nothing is changed.
			expectEmpty(t, "takeip again", n.script(ifaceScript, "takeip", "eth0", "10.0.0.5", "24"))
			expectAddrs(t, n, "eth0", "192.168.1.1/24", "10.0.0.5/24")
			expectCalls(t, "takeip again", changes(n.ipCalls()))
		})
	}
}

// IPv6 addresses are added with nodad, so they are usable at once.
func TestInterfaceTakeIPv6(t *testing.T) {
	n := newIPNode(t)
	n.link("eth1", linkUp)
	expectEmpty(t, "takeip", n.script(ifaceScript, "takeip", "eth1", "fd00:97::5", "64"))
	expectAddrs(t, n, "eth1", "fd00:97::5/64")
	expectCalls(t, "takeip", changes(n.ipCalls()), "addr add fd00:97::5/64 dev eth1 nodad")
}

// An administratively down interface is set up before the address is added;
// one that is up is left alone (checked in TestInterfaceTakeIP).
func TestInterfaceTakeIPSetsLinkUp(t *testing.T) {
	n := newIPNode(t)
	n.link("eth0", linkAdminDown)
	expectEmpty(t, "takeip", n.script(ifaceScript, "takeip", "eth0", "10.0.0.5", "24"))
	expectCalls(t, "takeip", changes(n.ipCalls()),
		"link set dev eth0 up",
		"addr add 10.0.0.5/24 brd + dev eth0")
	if got := n.linkState("eth0"); got != linkUp {
		t.Fatalf("eth0 link %q after takeip, want %q", got, linkUp)
	}
	expectAddrs(t, n, "eth0", "10.0.0.5/24")

	// Up but without carrier: nothing to set; the address is added anyway.
	n.link("eth1", linkNoCarrier)
	expectEmpty(t, "takeip no carrier", n.script(ifaceScript, "takeip", "eth1", "10.0.0.6", "24"))
	expectCalls(t, "takeip no carrier", changes(n.ipCalls()), "addr add 10.0.0.6/24 brd + dev eth1")
}

func TestInterfaceTakeIPFailures(t *testing.T) {
	n := newIPNode(t)
	n.link("eth0", linkUp)
	n.fail("addr-add", "RTNETLINK answers: Operation not permitted")
	expect(t, "add fails", n.script(ifaceScript, "takeip", "eth0", "10.0.0.5", "24"), 1,
		"ERROR: failed to add 10.0.0.5/24 on dev eth0: RTNETLINK answers: Operation not permitted")
	expectAddrs(t, n, "eth0")

	expect(t, "no such interface", n.script(ifaceScript, "takeip", "eth9", "10.0.0.5", "24"), 1,
		"ERROR: cannot add 10.0.0.5/24: interface eth9 does not exist")

	n.link("eth1", linkAdminDown)
	n.fail("link-set", "RTNETLINK answers: Operation not permitted")
	expect(t, "link set fails", n.script(ifaceScript, "takeip", "eth1", "10.0.0.5", "24"), 1,
		"ERROR: cannot set interface eth1 up: RTNETLINK answers: Operation not permitted")
	expectAddrs(t, n, "eth1")
}

func TestInterfaceReleaseIP(t *testing.T) {
	for _, sh := range shells(t) {
		t.Run(sh, func(t *testing.T) {
			n := newIPNode(t)
			n.shell = sh
			n.link("eth0", linkUp)
			n.setAddrs("eth0", "192.168.1.1/24", "10.0.0.5/24", "10.0.0.6/24")
			expectEmpty(t, "releaseip", n.script(ifaceScript, "releaseip", "eth0", "10.0.0.5", "24"))
			expectAddrs(t, n, "eth0", "192.168.1.1/24", "10.0.0.6/24")
			expectCalls(t, "releaseip", changes(n.ipCalls()), "addr del 10.0.0.5/24 dev eth0")

			// Already gone: nothing is changed.
			expectEmpty(t, "releaseip again", n.script(ifaceScript, "releaseip", "eth0", "10.0.0.5", "24"))
			expectCalls(t, "releaseip again", changes(n.ipCalls()))

			// No such interface: the address cannot be there.
			expect(t, "no such interface", n.script(ifaceScript, "releaseip", "eth9", "10.0.0.5", "24"), 0,
				"WARNING: interface eth9 does not exist, so 10.0.0.5 is not on it")
			expectCalls(t, "no such interface", changes(n.ipCalls()))
		})
	}
}

// An address found with another mask length than ctdbd's is removed too
// ("ip addr del" needs the mask it actually has).
func TestInterfaceReleaseIPOtherMask(t *testing.T) {
	n := newIPNode(t)
	n.link("eth0", linkUp)
	n.setAddrs("eth0", "10.0.0.5/16", "fd00::5/64")
	expect(t, "releaseip", n.script(ifaceScript, "releaseip", "eth0", "10.0.0.5", "24"), 0,
		"WARNING: 10.0.0.5 is on eth0 as /16, not /24; removing it anyway")
	expectCalls(t, "releaseip", changes(n.ipCalls()), "addr del 10.0.0.5/16 dev eth0")
	expectEmpty(t, "releaseip v6", n.script(ifaceScript, "releaseip", "eth0", "fd00::5", "64"))
	expectAddrs(t, n, "eth0")
}

func TestInterfaceReleaseIPFailure(t *testing.T) {
	n := newIPNode(t)
	n.link("eth0", linkUp)
	n.setAddrs("eth0", "10.0.0.5/24")
	n.fail("addr-del", "RTNETLINK answers: Operation not permitted")
	expect(t, "del fails", n.script(ifaceScript, "releaseip", "eth0", "10.0.0.5", "24"), 1,
		"ERROR: failed to remove 10.0.0.5/24 from dev eth0: RTNETLINK answers: Operation not permitted")
	expectAddrs(t, n, "eth0", "10.0.0.5/24")
}

// updateip adds the address on the new interface before removing it from
// the old one, so that it is never missing.
func TestInterfaceUpdateIP(t *testing.T) {
	n := newIPNode(t)
	n.link("eth0", linkUp)
	n.link("eth1", linkAdminDown)
	n.setAddrs("eth0", "10.0.0.5/24")
	expectEmpty(t, "updateip", n.script(ifaceScript, "updateip", "eth0", "eth1", "10.0.0.5", "24"))
	expectCalls(t, "updateip", changes(n.ipCalls()),
		"link set dev eth1 up",
		"addr add 10.0.0.5/24 brd + dev eth1",
		"addr del 10.0.0.5/24 dev eth0")
	expectAddrs(t, n, "eth0")
	expectAddrs(t, n, "eth1", "10.0.0.5/24")

	// Same interface: the address stays (and is added if missing).
	expectEmpty(t, "same iface", n.script(ifaceScript, "updateip", "eth1", "eth1", "10.0.0.5", "24"))
	expectCalls(t, "same iface", changes(n.ipCalls()))
	expectAddrs(t, n, "eth1", "10.0.0.5/24")

	// The old interface is gone: moved all the same.
	n.link("eth2", linkUp)
	expect(t, "old iface gone", n.script(ifaceScript, "updateip", "eth7", "eth2", "10.0.0.9", "24"), 0,
		"WARNING: interface eth7 does not exist, so 10.0.0.9 is not on it")
	expectAddrs(t, n, "eth2", "10.0.0.9/24")
}

// When the new interface cannot take the address, it stays where it was.
func TestInterfaceUpdateIPFailure(t *testing.T) {
	n := newIPNode(t)
	n.link("eth0", linkUp)
	n.link("eth1", linkUp)
	n.setAddrs("eth0", "10.0.0.5/24")
	n.fail("addr-add", "RTNETLINK answers: No space left on device")
	expect(t, "updateip", n.script(ifaceScript, "updateip", "eth0", "eth1", "10.0.0.5", "24"), 1,
		"ERROR: failed to add 10.0.0.5/24 on dev eth1: RTNETLINK answers: No space left on device")
	expectAddrs(t, n, "eth0", "10.0.0.5/24")
	if c := changes(n.ipCalls()); strings.Contains(strings.Join(c, "\n"), "del") {
		t.Fatalf("address removed from eth0 although eth1 failed: %q", c)
	}
}

func TestInterfaceBadArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"takeip"}, "ERROR: must supply interface, IP and maskbits (takeip got 0 arguments)"},
		{[]string{"takeip", "eth0", "10.0.0.5"}, "ERROR: must supply interface, IP and maskbits (takeip got 2 arguments: eth0 10.0.0.5)"},
		{[]string{"releaseip", "eth0", "10.0.0.5", "24", "x"}, "ERROR: must supply interface, IP and maskbits (releaseip got 4 arguments"},
		{[]string{"takeip", "", "10.0.0.5", "24"}, "ERROR: must supply interface, IP and maskbits"},
		{[]string{"releaseip", "eth0", "10.0.0.5", "abc"}, `ERROR: releaseip: maskbits "abc" is not a number`},
		{[]string{"takeip", "eth0", "10.0.0.300", "24"}, `ERROR: takeip: "10.0.0.300" is not an IPv4 or IPv6 address`},
		{[]string{"takeip", "eth0", "10.0.5", "24"}, `ERROR: takeip: "10.0.5" is not an IPv4 or IPv6 address`},
		{[]string{"takeip", "eth0", "host.example", "24"}, `ERROR: takeip: "host.example" is not an IPv4 or IPv6 address`},
		{[]string{"takeip", "eth0", "10.0.0.5", "33"}, "ERROR: takeip: maskbits 33 out of range 1-32 for 10.0.0.5"},
		{[]string{"takeip", "eth0", "10.0.0.5", "0"}, "ERROR: takeip: maskbits 0 out of range 1-32 for 10.0.0.5"},
		{[]string{"takeip", "eth0", "fd00::5", "129"}, "ERROR: takeip: maskbits 129 out of range 1-128 for fd00::5"},
		{[]string{"takeip", "eth0/x", "10.0.0.5", "24"}, `ERROR: takeip: invalid interface name "eth0/x"`},
		{[]string{"takeip", "eth0 x", "10.0.0.5", "24"}, `ERROR: takeip: invalid interface name "eth0 x"`},
		{[]string{"takeip", "averyveryverylongname", "10.0.0.5", "24"}, `invalid interface name "averyveryverylongname" (longer than 15 characters)`},
		{[]string{"updateip", "eth0", "10.0.0.5", "24"}, "ERROR: must supply old interface, new interface, IP and maskbits (updateip got 3 arguments: eth0 10.0.0.5 24)"},
		{[]string{"updateip", "eth0", "eth:1", "10.0.0.5", "24"}, `ERROR: updateip: invalid interface name "eth:1"`},
	} {
		n := newIPNode(t)
		n.link("eth0", linkUp)
		what := strings.Join(tc.args, " ")
		expect(t, what, n.script(ifaceScript, tc.args...), 1, tc.want)
		expectCalls(t, what, n.ipCalls())
	}
}

func TestInterfaceMonitor(t *testing.T) {
	for _, sh := range shells(t) {
		t.Run(sh, func(t *testing.T) {
			n := newIPNode(t)
			n.shell = sh
			n.publicAddresses("# public addresses\n\n10.0.0.5/24 eth0\n  10.0.0.6/24 eth0,eth1\r\n\tfd00::5/64 eth1\n")
			n.link("eth0", linkUp)
			n.link("eth1", linkUp)
			expectEmpty(t, "all up", n.script(ifaceScript, "monitor"))
			expectCalls(t, "all up", n.ipCalls(), "-o link show dev eth0", "-o link show dev eth1")

			n.link("eth1", linkNoCarrier)
			got := n.script(ifaceScript, "monitor")
			expect(t, "eth1 down", got, 0, "WARNING: No link on the public network interface eth1\n")
			if strings.Contains(got.out, "eth0") || strings.Contains(got.out, "ERROR") {
				t.Fatalf("eth1 down: unexpected output %q", got.out)
			}

			n.link("eth0", linkAdminDown)
			expect(t, "all down", n.script(ifaceScript, "monitor"), 1,
				"ERROR: No link on the public network interface eth0\n",
				"ERROR: No link on the public network interface eth1\n")

			n.link("eth0", linkUp)
			n.link("eth1", linkUp)
			expectEmpty(t, "up again", n.script(ifaceScript, "monitor"))
		})
	}
}

func TestInterfaceMonitorMissingInterface(t *testing.T) {
	n := newIPNode(t)
	n.publicAddresses("10.0.0.5/24 eth0,eth1\n")
	n.link("eth0", linkUp)
	got := n.script(ifaceScript, "monitor")
	expect(t, "eth1 missing", got, 1, "ERROR: public network interface eth1 does not exist\n")
	if strings.Contains(got.out, "No link") {
		t.Fatalf("eth1 missing: unexpected output %q", got.out)
	}
}

// No public addresses (no file, or only comments): nothing to check.
func TestInterfaceMonitorNoPublicAddresses(t *testing.T) {
	n := newIPNode(t)
	expectEmpty(t, "no file", n.script(ifaceScript, "monitor"))
	n.publicAddresses("# none yet\n\n")
	expectEmpty(t, "comments only", n.script(ifaceScript, "monitor"))
	expectEmpty(t, "startup", n.script(ifaceScript, "startup"))
	expectCalls(t, "no addresses", n.ipCalls())
}

// $CTDB_PUBLIC_ADDRESSES names another file.
func TestInterfacePublicAddressesVariable(t *testing.T) {
	n := newIPNode(t)
	n.publicAddresses("10.0.0.5/24 eth0\n")
	n.link("eth0", linkUp)
	other := filepath.Join(t.TempDir(), "addrs")
	writeFile(t, other, "10.0.0.7/24 eth7\n", 0o644)
	n.env["CTDB_PUBLIC_ADDRESSES"] = other
	expect(t, "other file", n.script(ifaceScript, "monitor"), 1, "ERROR: public network interface eth7 does not exist")
	expect(t, "public_addresses_file", n.fn(ifaceScript, "public_addresses_file"), 0, other+"\n")
	n.env["CTDB_PUBLIC_ADDRESSES"] = ""
	expectEmpty(t, "empty: default file", n.script(ifaceScript, "monitor"))
	expect(t, "default public_addresses_file", n.fn(ifaceScript, "public_addresses_file"), 0,
		filepath.Join(n.base, "public_addresses")+"\n")
}

func TestInterfaceMalformedPublicAddresses(t *testing.T) {
	for _, tc := range []struct{ content, want string }{
		{"10.0.0.5/24 eth0\n10.0.0.6/24\n", `line 2: expected "ADDR/MASK IFACE[,IFACE...]", got "10.0.0.6/24"`},
		{"10.0.0.5 eth0\n", `line 1: expected ADDR/MASK, got "10.0.0.5 eth0"`},
		{"10.0.0.5/24 eth0,,eth1\n", `line 1: bad interface list, got "10.0.0.5/24 eth0,,eth1"`},
		{"10.0.0.5/24 eth0 extra\n", `line 1: expected "ADDR/MASK IFACE[,IFACE...]"`},
	} {
		n := newIPNode(t)
		n.link("eth0", linkUp)
		n.publicAddresses(tc.content)
		file := filepath.Join(n.base, "public_addresses")
		for _, ev := range []string{"monitor", "startup"} {
			expect(t, ev+" "+tc.content, n.script(ifaceScript, ev), 1, "ERROR: "+file+" "+tc.want)
		}
	}
}

// At startup nothing is assigned to this node yet: every public address
// found on an interface is a leftover and is removed; other addresses stay.
func TestInterfaceStartupRemovesUnassigned(t *testing.T) {
	for _, ev := range []string{"startup", "init"} {
		t.Run(ev, func(t *testing.T) {
			n := newIPNode(t)
			n.publicAddresses("10.0.0.5/24 eth0,eth1\n10.0.0.6/24 eth0\nfd00::5/64 eth1\n10.0.0.9/24 eth2\n")
			n.link("eth0", linkUp)
			n.link("eth1", linkNoCarrier)
			n.setAddrs("eth0", "192.168.1.1/24", "10.0.0.5/24", "10.0.0.6/16", "10.0.0.50/24")
			n.setAddrs("eth1", "fd00::5/64")
			got := n.script(ifaceScript, ev)
			expect(t, ev, got, 0,
				"WARNING: removing unassigned public address 10.0.0.5 from eth0\n",
				"WARNING: removing unassigned public address 10.0.0.6 from eth0\n",
				"WARNING: removing unassigned public address fd00::5 from eth1\n")
			if strings.Count(got.out, "removing") != 3 {
				t.Fatalf("%s: want 3 removals, got:\n%s", ev, got.out)
			}
			expectAddrs(t, n, "eth0", "192.168.1.1/24", "10.0.0.50/24")
			expectAddrs(t, n, "eth1")
			n.ipCalls()
			expectEmpty(t, ev+" again", n.script(ifaceScript, ev))
			expectCalls(t, ev+" again", changes(n.ipCalls()))
		})
	}
}

func TestInterfaceStartupFailure(t *testing.T) {
	n := newIPNode(t)
	n.publicAddresses("10.0.0.5/24 eth0\n10.0.0.6/24 eth0\n")
	n.link("eth0", linkUp)
	n.setAddrs("eth0", "10.0.0.5/24", "10.0.0.6/24")
	n.fail("addr-del", "RTNETLINK answers: Operation not permitted")
	got := n.script(ifaceScript, "startup")
	expect(t, "startup", got, 1,
		"ERROR: failed to remove 10.0.0.5/24 from dev eth0",
		"ERROR: failed to remove 10.0.0.6/24 from dev eth0")
}

func TestInterfaceOtherEvents(t *testing.T) {
	n := newIPNode(t)
	n.publicAddresses("10.0.0.5/24 eth0\n")
	n.link("eth0", linkUp)
	n.setAddrs("eth0", "10.0.0.5/24")
	for _, ev := range []string{"ipreallocated", "startipreallocate", "recovered", "shutdown", "frobnicate"} {
		expectEmpty(t, ev, n.script(ifaceScript, ev))
	}
	expectEmpty(t, "no event", n.script(ifaceScript))
	expectCalls(t, "other events", n.ipCalls())
	expectAddrs(t, n, "eth0", "10.0.0.5/24")
}

func TestPublicAddressHelpers(t *testing.T) {
	n := newIPNode(t)
	n.publicAddresses("10.0.0.5/24 eth1,eth0\n# 10.0.0.8/24 eth5\n10.0.0.6/24 eth0\nfd00::5/64 eth2,eth1\n")
	expect(t, "public_ifaces", n.fn(ifaceScript, "public_ifaces"), 0, "eth1\neth0\neth2\n")
	n.link("eth0", linkUp)
	n.link("eth1", linkUp)
	n.setAddrs("eth0", "10.0.0.6/23", "10.0.0.7/24")
	n.setAddrs("eth1", "10.0.0.5/24", "fd00::5/64")
	if got := n.fn(ifaceScript, "public_addresses_on_ifaces"); got.rc != 0 ||
		got.out != "eth1 10.0.0.5 24\neth0 10.0.0.6 23\neth1 fd00::5 64\n" {
		t.Fatalf("public_addresses_on_ifaces: %+v", got)
	}
	for snippet, want := range map[string]string{
		"ip_have_addr eth0 10.0.0.6":              "0",
		"ip_have_addr eth0 10.0.0.5":              "1",
		"ip_have_addr eth9 10.0.0.5":              "2",
		"interface_link_up eth0":                  "0",
		"interface_exists eth0":                   "0",
		"interface_exists eth9":                   "1",
		"ip_family 256.1.1.1":                     "1",
		"ip_family fd00":                          "1",
		"ip_addr_add eth0 10.0.0.7 24":            "0",
		"ip_addr_del eth0 10.0.0.99 24":           "0",
		"ip_addr_add eth9 10.0.0.7 24 >/dev/null": "1",
	} {
		got := n.fn(ifaceScript, snippet+" >/dev/null; echo $?")
		if got.rc != 0 || !strings.HasSuffix(got.out, want+"\n") {
			t.Errorf("%s: got %+v, want status %s", snippet, got, want)
		}
	}
	for ip, fam := range map[string]string{"10.1.2.3": "4", "fd00::1": "6", "::ffff:10.1.2.3": "6", "FD00:0:0::A": "6"} {
		if got := n.fn(ifaceScript, "ip_family "+ip); got.rc != 0 || got.out != fam+"\n" {
			t.Errorf("ip_family %s: %+v, want %s", ip, got, fam)
		}
	}
	n.link("eth1", linkNoCarrier)
	expect(t, "link down", n.fn(ifaceScript, "interface_link_up eth1; echo $?"), 0, "1\n")
	n.link("eth1", linkAdminDown)
	expect(t, "admin down", n.fn(ifaceScript, "interface_link_up eth1; echo $?"), 0, "1\n")
	expect(t, "missing", n.fn(ifaceScript, "interface_link_up eth9; echo $?"), 0, "2\n")
}
