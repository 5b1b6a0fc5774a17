package cluster

import (
	"slices"
	"testing"
)

func TestFlagCorrections(t *testing.T) {
	cases := []struct {
		name  string
		views map[uint32]NodeView
		want  []FlagUpdate
	}{
		{"consistent", healthyCluster(3, 7), nil},
		{"one stale copy",
			setSeen(edit(healthyCluster(3, 7), 2, func(v *NodeView) { v.Flags = unh }), 0, 2, unh),
			[]FlagUpdate{{To: 1, Node: 2, Flags: unh}}},
		{"copy claims a flag the owner cleared",
			setSeen(healthyCluster(3, 7), 0, 1, pdis),
			[]FlagUpdate{{To: 0, Node: 1, Flags: 0}}},
		{"disconnected bit is local and ignored",
			setSeen(healthyCluster(3, 7), 1, 2, disc), nil},
		{"disconnected kept but other bits corrected",
			setSeen(edit(healthyCluster(3, 7), 2, func(v *NodeView) { v.Flags = stopped }), 1, 2, disc|stopped),
			[]FlagUpdate{{To: 0, Node: 2, Flags: stopped}}},
		{"own entry in own node map is not compared",
			setSeen(healthyCluster(3, 7), 1, 1, banned), nil},
		{"owner without a view is skipped",
			func() map[uint32]NodeView { v := setSeen(healthyCluster(3, 7), 0, 2, banned); delete(v, 2); return v }(), nil},
		{"banned node's view is corrected too",
			setSeen(edit(healthyCluster(3, 7), 2, func(v *NodeView) { v.Flags = banned }), 2, 0, stopped),
			[]FlagUpdate{{To: 0, Node: 2, Flags: banned}, {To: 1, Node: 2, Flags: banned}, {To: 2, Node: 0, Flags: 0}}},
		{"sorted by To then Node",
			setSeen(setSeen(setSeen(healthyCluster(3, 7), 2, 1, unh), 2, 0, unh), 1, 0, unh),
			[]FlagUpdate{{To: 1, Node: 0}, {To: 2, Node: 0}, {To: 2, Node: 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := FlagCorrections(c.views); !slices.Equal(got, c.want) {
				t.Errorf("FlagCorrections =\n  %+v\nwant\n  %+v", got, c.want)
			}
		})
	}
}
