package daemon

import (
	"context"

	"github.com/ctdb-go/ctdb/internal/config"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// ctlReloadNodes re-reads the nodes file. Nodes may be added at the end or
// deleted (commented out); an existing node may not change its address.
func (d *Daemon) ctlReloadNodes(context.Context, protocol.Header, any) (any, error) {
	nodes, err := config.ParseNodes(d.cfg.NodesFile())
	if err != nil {
		return nil, protocol.Errorf(protocol.StatusBadRequest, "%v", err)
	}
	d.mu.Lock()
	if int(d.st.Self) >= len(nodes) || nodes[d.st.Self].Deleted {
		d.mu.Unlock()
		return nil, protocol.Errorf(protocol.StatusBadRequest, "the new nodes file deletes this node (%d)", d.st.Self)
	}
	for i, old := range d.st.Nodes {
		if i < len(nodes) && !nodes[i].Deleted && old.Flags&protocol.FlagDeleted == 0 && nodes[i].Addr.String() != old.Address {
			d.mu.Unlock()
			return nil, protocol.Errorf(protocol.StatusBadRequest, "node %d changes address from %s to %s: delete it and add a new node instead", i, old.Address, nodes[i].Addr)
		}
	}
	var out []protocol.NodeInfo
	for _, n := range nodes {
		flags := protocol.FlagDisconnected | protocol.FlagUnhealthy // not connected yet, as in CTDB
		if int(n.PNN) < len(d.st.Nodes) {
			flags = d.st.Nodes[n.PNN].Flags
		}
		if n.Deleted {
			flags = protocol.FlagDeleted | protocol.FlagDisconnected
		} else {
			flags &^= protocol.FlagDeleted
		}
		out = append(out, protocol.NodeInfo{PNN: n.PNN, Address: n.Addr.String(), Flags: flags})
	}
	d.st.Nodes = out
	d.cfg.Nodes = nodes
	d.mu.Unlock()
	d.cl.tr.SetNodes(d.transportNodes())
	d.log.Infof("Reloaded nodes file: %d nodes", len(nodes))
	d.stateChanged()
	return nil, nil
}
