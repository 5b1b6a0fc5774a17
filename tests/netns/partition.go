package netns

import (
	"encoding/json"
	"fmt"
)

// Isolate cuts each given host off from every other host (each one alone),
// by detaching its port from any bridge. Other hosts keep their current
// connectivity. See the package documentation for what is cut.
func (n *Net) Isolate(hosts ...int) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.checkIndices(hosts); err != nil {
		return fmt.Errorf("netns: isolate: %w", err)
	}
	want := n.currentBridges()
	for _, i := range hosts {
		want[i] = ""
	}
	return n.applyBridges(want)
}

// Partition splits the network into groups: hosts in the same group can
// talk, hosts in different groups cannot. Hosts not named in any group form
// one more group together, on the main bridge. It replaces any earlier
// Isolate or Partition. Partition() with no groups is Heal.
func (n *Net) Partition(groups ...[]int) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	want := make([]string, len(n.hosts))
	for i := range want {
		want[i] = mainBridge
	}
	seen := map[int]bool{}
	for g, group := range groups {
		if err := n.checkIndices(group); err != nil {
			return fmt.Errorf("netns: partition group %d: %w", g, err)
		}
		for _, i := range group {
			if seen[i] {
				return fmt.Errorf("netns: partition: host %d is in more than one group", i)
			}
			seen[i] = true
			want[i] = fmt.Sprintf("g%d", g)
		}
	}
	return n.applyBridges(want)
}

// Heal reconnects every host to the main bridge.
func (n *Net) Heal() error { return n.Partition() }

func (n *Net) checkIndices(hosts []int) error {
	for _, i := range hosts {
		if i < 0 || i >= len(n.hosts) {
			return fmt.Errorf("no host %d (have %d)", i, len(n.hosts))
		}
	}
	return nil
}

// currentBridges returns the bridge each host's port is on ("" if none).
// Callers hold n.mu.
func (n *Net) currentBridges() []string {
	cur := make([]string, len(n.hosts))
	for i, h := range n.hosts {
		cur[i] = h.bridge
	}
	return cur
}

// applyBridges moves ports so that host i's port is on bridge want[i] ("" for
// none), creating missing bridges. It changes only ports that move, in one
// `ip -batch` run. Callers hold n.mu.
func (n *Net) applyBridges(want []string) error {
	for _, br := range want {
		if br != "" && !n.bridges[br] {
			if err := n.addBridge(br); err != nil {
				return err
			}
		}
	}
	var cmds []string
	for i, h := range n.hosts {
		switch {
		case want[i] == h.bridge:
		case want[i] == "":
			cmds = append(cmds, "link set "+h.port+" nomaster")
		default:
			cmds = append(cmds, "link set "+h.port+" master "+want[i])
		}
	}
	if err := ipBatch(n.Switch, cmds); err != nil {
		n.resyncBridges()
		return fmt.Errorf("netns: moving ports: %w", err)
	}
	for i, h := range n.hosts {
		h.bridge = want[i]
	}
	return nil
}

// resyncBridges re-reads which bridge each port is on after a failed batch
// (`ip -batch` stops at the first error, leaving some ports moved), so the
// next call starts from the truth. Callers hold n.mu.
func (n *Net) resyncBridges() {
	out, err := ip("-n", n.Switch, "-j", "link", "show")
	if err != nil {
		return
	}
	var links []struct {
		Name   string `json:"ifname"`
		Master string `json:"master"`
	}
	if json.Unmarshal([]byte(out), &links) != nil {
		return
	}
	master := map[string]string{}
	for _, l := range links {
		master[l.Name] = l.Master
	}
	for _, h := range n.hosts {
		h.bridge = master[h.port]
	}
}
