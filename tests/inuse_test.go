package tests

import (
	"strings"
	"testing"
	"time"
)

// A public address that another host on the link still answers ARP for is
// not taken: the node that is given it waits (and its takeover fails after
// a bound, to be retried), so the address is never on two hosts. This is
// the state a node whose ctdbd was killed is in until its address guard has
// removed the addresses: the leader reassigns them at once. Here the other
// host is the client, which holds the address from before the cluster
// starts until the test removes it.
func TestAddressAnsweredElsewhereIsNotTaken(t *testing.T) {
	ic := newIPCluster(t, 2, nil)
	a := publicIPs[0]
	ic.client.Run(t, "ip", "addr", "add", a.String()+"/24", "dev", "eth0")
	startAll(t, ic.Cluster)
	waitConverged(t, ic.Cluster, seq(ic.Nodes), allOK(ic.Nodes), 30*time.Second)
	// Every other address is served, so a takeover run has given a out.
	eventually(t, 20*time.Second, func() string {
		for _, b := range publicIPs[1:] {
			if len(ic.holders()[b]) != 1 {
				return b.String() + " not on exactly one node yet"
			}
		}
		return ""
	})
	// Deliberate pause: sampling period of a 2 s window in which a taken
	// address would show.
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if h := ic.holders()[a]; len(h) != 0 {
			t.Fatalf("%s taken by node %v while the client still has it", a, h)
		}
	}
	eventually(t, 10*time.Second, func() string {
		for i := range ic.Nodes {
			if strings.Contains(ic.Log(i), "Public address "+a.String()+" is still answered for by") {
				return ""
			}
		}
		return "no node has tried to take " + a.String() + " yet"
	})
	ic.client.Run(t, "ip", "addr", "del", a.String()+"/24", "dev", "eth0")
	eventually(t, 15*time.Second, func() string {
		if h := ic.holders()[a]; len(h) != 1 {
			return a.String() + " not on exactly one node after the client let it go"
		}
		return ""
	})
}
