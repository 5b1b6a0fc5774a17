package transport

import (
	"sort"
	"sync"
)

// MemNetwork connects in-memory transports for in-process cluster tests.
// Two transports are connected when both are live, no Partition or
// Disconnect separates them, and each one's node list (SetNodes; all nodes
// until it is called) contains the other. Every change of connectivity is
// reported through Events at once; there are no keepalives.
type MemNetwork struct {
	mu    sync.Mutex
	nodes map[uint32]*memTransport // live transports
	group map[uint32]int           // partition group; unlisted nodes share group -1
	cut   map[[2]uint32]bool       // pairs separated by Disconnect
}

// memQueueLength is each transport's receive queue, the in-memory
// counterpart of the per-peer send queue: Send fails with ErrQueueFull
// when the receiver has that many frames unread.
const memQueueLength = 1000

// NewMemNetwork returns an empty network.
func NewMemNetwork() *MemNetwork {
	return &MemNetwork{nodes: map[uint32]*memTransport{}, group: map[uint32]int{}, cut: map[[2]uint32]bool{}}
}

// Transport returns the live transport of node pnn, creating it (the node
// starts, or restarts after Kill or Close) if there is none.
func (n *MemNetwork) Transport(pnn uint32) Transport {
	n.mu.Lock()
	defer n.mu.Unlock()
	if t := n.nodes[pnn]; t != nil {
		return t
	}
	t := newMemTransport(n, pnn)
	n.nodes[pnn] = t
	n.updateLocked()
	return t
}

// EventsPushed is how many events node pnn's live transport has queued for
// Events since it started (0 when it is not live). Each of them will
// arrive, so a test can receive exactly that many without waiting for
// time to pass.
func (n *MemNetwork) EventsPushed(pnn uint32) int {
	n.mu.Lock()
	t := n.nodes[pnn]
	n.mu.Unlock()
	if t == nil {
		return 0
	}
	t.events.mu.Lock()
	defer t.events.mu.Unlock()
	return t.events.pushed
}

// Partition splits the network: nodes in different groups cannot talk.
// Nodes not listed in any group form one more group together. It replaces
// the previous partition; Disconnect cuts stay.
func (n *MemNetwork) Partition(groups ...[]uint32) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.group = map[uint32]int{}
	for i, g := range groups {
		for _, pnn := range g {
			n.group[pnn] = i
		}
	}
	n.updateLocked()
}

// Disconnect cuts the link between a and b.
func (n *MemNetwork) Disconnect(a, b uint32) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cut[pair(a, b)] = true
	n.updateLocked()
}

// Heal removes every partition and Disconnect cut.
func (n *MemNetwork) Heal() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.group = map[uint32]int{}
	n.cut = map[[2]uint32]bool{}
	n.updateLocked()
}

// Kill makes node pnn die at once, like kill -9: its peers see it
// disconnected and its transport is closed (Send fails with ErrClosed, its
// channels are closed). Transport(pnn) then starts a fresh one.
func (n *MemNetwork) Kill(pnn uint32) {
	n.mu.Lock()
	t := n.nodes[pnn]
	n.mu.Unlock()
	if t != nil {
		t.Close()
	}
}

func pair(a, b uint32) [2]uint32 {
	if a > b {
		a, b = b, a
	}
	return [2]uint32{a, b}
}

func (n *MemNetwork) groupOf(pnn uint32) int {
	if g, ok := n.group[pnn]; ok {
		return g
	}
	return -1
}

// linkedLocked reports whether live transports a and b can talk.
func (n *MemNetwork) linkedLocked(a, b *memTransport) bool {
	return a != b && n.groupOf(a.pnn) == n.groupOf(b.pnn) && !n.cut[pair(a.pnn, b.pnn)] &&
		a.knows(b.pnn) && b.knows(a.pnn)
}

// updateLocked recomputes every link and sends events for the changes, in
// PNN order so tests see a deterministic sequence.
func (n *MemNetwork) updateLocked() {
	pnns := make([]uint32, 0, len(n.nodes))
	for pnn := range n.nodes {
		pnns = append(pnns, pnn)
	}
	sort.Slice(pnns, func(i, j int) bool { return pnns[i] < pnns[j] })
	for _, a := range pnns {
		ta := n.nodes[a]
		for _, b := range pnns {
			ta.setLinked(b, n.linkedLocked(ta, n.nodes[b]))
		}
		for b := range ta.peers {
			if n.nodes[b] == nil {
				ta.setLinked(b, false)
			}
		}
	}
}
