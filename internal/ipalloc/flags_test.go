package ipalloc

import (
	"fmt"
	"testing"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

func TestCanHost(t *testing.T) {
	cases := []struct {
		flags    uint32
		runnable bool
		want     bool
	}{
		{0, true, true},
		{0, false, false},
		{protocol.FlagDisconnected, true, false},
		{protocol.FlagUnhealthy, true, false},
		{protocol.FlagPermanentlyDisabled, true, false},
		{protocol.FlagBanned, true, false},
		{protocol.FlagDeleted, true, false},
		{protocol.FlagStopped, true, false},
		{protocol.FlagBanned | protocol.FlagUnhealthy, true, false},
		{0x1000, true, true}, // an unrelated bit does not block hosting
	}
	for _, c := range cases {
		n := Node{Flags: c.flags, Runnable: c.runnable}
		if got := CanHost(n); got != c.want {
			t.Errorf("CanHost(flags=%#x runnable=%v) = %v, want %v", c.flags, c.runnable, got, c.want)
		}
	}
}

// Every flag that stops a node hosting must fail its addresses over exactly
// like an unhealthy node, leaving the other nodes' addresses alone.
func TestAllocateExcludedFlags(t *testing.T) {
	flags := map[string]uint32{
		"unhealthy":            protocol.FlagUnhealthy,
		"permanently disabled": protocol.FlagPermanentlyDisabled,
		"stopped":              protocol.FlagStopped,
		"banned":               protocol.FlagBanned,
		"disconnected":         protocol.FlagDisconnected,
		"deleted":              protocol.FlagDeleted,
	}
	for name, f := range flags {
		t.Run(name, func(t *testing.T) {
			runAllocCase(t, allocCase{ips: sixSpread, flags: []uint32{0, 0, f}, want: sixNode2Gone})
		})
		t.Run(fmt.Sprintf("%s node 0", name), func(t *testing.T) {
			ips := parseIPs(t, sixSpread)
			nodes := makeNodes(addrsOf(ips), []uint32{f, 0, 0}, nil)
			got := byNode(Allocate(ips, nodes, Options{}))
			if len(got[0]) != 0 || len(got[1]) != 3 || len(got[2]) != 3 {
				t.Errorf("with node 0 %s want 0/3/3 addresses, got %v", name, got)
			}
		})
	}
}
