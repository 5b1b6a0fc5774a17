package cluster

import (
	"strings"
	"testing"
)

func TestElectionNeeded(t *testing.T) {
	// base: node 1 follows healthy leader 0, heard 2s ago, timeout 5s.
	base := ElectionInput{
		Now: at(10 * sec), LastLeaderHeard: at(8 * sec), LeaderTimeout: 5 * sec,
		Leader: 0, Self: 1,
	}
	cases := []struct {
		name   string
		mod    func(*ElectionInput)
		want   bool
		reason string // substring of the reason when want is true
	}{
		{"healthy leader recently heard", func(*ElectionInput) {}, false, ""},
		{"no leader known", func(in *ElectionInput) { in.Leader = unknown }, true, "no leader known"},
		{"no leader even if just heard", func(in *ElectionInput) { in.Leader, in.LastLeaderHeard = unknown, in.Now }, true, "no leader known"},
		{"broadcast just under timeout", func(in *ElectionInput) { in.LastLeaderHeard = at(5*sec + 1) }, false, ""},
		{"broadcast exactly at timeout", func(in *ElectionInput) { in.LastLeaderHeard = at(5 * sec) }, true, "leader broadcast timeout"},
		{"broadcast long ago", func(in *ElectionInput) { in.LastLeaderHeard = at(0) }, true, "nothing from leader 0 for 10s"},
		{"never heard", func(in *ElectionInput) { in.LastLeaderHeard = at(0).AddDate(-1, 0, 0) }, true, "leader broadcast timeout"},
		{"leader disconnected at once", func(in *ElectionInput) { in.LeaderFlags = disc; in.LastLeaderHeard = in.Now }, true, "leader 0 is disconnected"},
		{"leader banned", func(in *ElectionInput) { in.LeaderFlags = banned }, true, "leader 0 is inactive (flags 0x8)"},
		{"leader stopped", func(in *ElectionInput) { in.LeaderFlags = stopped }, true, "inactive (flags 0x20)"},
		{"leader deleted", func(in *ElectionInput) { in.LeaderFlags = deleted }, true, "inactive"},
		{"leader unhealthy is fine", func(in *ElectionInput) { in.LeaderFlags = unh | pdis }, false, ""},
		{"self leads with lock", func(in *ElectionInput) { in.Leader, in.SelfHoldsLock = 1, true }, false, ""},
		{"self leads with lock, no own broadcast heard", func(in *ElectionInput) {
			in.Leader, in.SelfHoldsLock, in.LastLeaderHeard = 1, true, at(0)
		}, false, ""},
		{"self leads without lock", func(in *ElectionInput) { in.Leader = 1 }, true, "does not hold the cluster lock"},
		{"self holds lock but follows another", func(in *ElectionInput) { in.SelfHoldsLock = true }, true, "holds the cluster lock but leader is 0"},
		{"self leader but stopped", func(in *ElectionInput) {
			in.Leader, in.SelfHoldsLock, in.LeaderFlags = 1, true, stopped
		}, true, "leader 1 is inactive"},
		{"disconnected wins over timeout", func(in *ElectionInput) { in.LeaderFlags, in.LastLeaderHeard = disc, at(0) }, true, "disconnected"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := base
			c.mod(&in)
			got, why := ElectionNeeded(in)
			if got != c.want {
				t.Fatalf("ElectionNeeded(%+v) = %v (%q), want %v", in, got, why, c.want)
			}
			if !strings.Contains(why, c.reason) || (!c.want && why != "") {
				t.Errorf("reason %q, want it to contain %q", why, c.reason)
			}
		})
	}
}
