package daemon

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/ctdb-go/ctdb/internal/config"
)

// findPNN returns this node's PNN: the nodes-file line equal to
// [cluster] node address if set, else the first line whose address this
// host can bind (CTDB's rule). Several nodes on one host (loopback test
// clusters) must set node address, since every 127.x address is bindable.
func findPNN(cfg *config.Config) (uint32, error) {
	if cfg.Cluster.NodeAddress != "" {
		want, err := netip.ParseAddr(cfg.Cluster.NodeAddress)
		if err != nil {
			return 0, fmt.Errorf("[cluster] node address %q: %v", cfg.Cluster.NodeAddress, err)
		}
		for _, n := range cfg.Nodes {
			if !n.Deleted && n.Addr == want.Unmap() {
				return n.PNN, nil
			}
		}
		return 0, fmt.Errorf("[cluster] node address %s is not in the nodes file", want)
	}
	for _, n := range cfg.Nodes {
		if n.Deleted {
			continue
		}
		if canBind(n.Addr) {
			return n.PNN, nil
		}
	}
	return 0, fmt.Errorf("no address in the nodes file is an address of this host; set [cluster] node address in ctdb.conf")
}

func canBind(a netip.Addr) bool {
	l, err := net.Listen("tcp", netip.AddrPortFrom(a, 0).String())
	if err != nil {
		return false
	}
	l.Close()
	return true
}
