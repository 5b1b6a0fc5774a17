package cluster

import (
	"fmt"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// LeaderConfig configures a LeaderState.
type LeaderConfig struct {
	// Self is this node's PNN.
	Self uint32
	// Capable is ctdb.conf [cluster] leader capability. A node without it
	// follows but never races for the lock or calls an election.
	Capable bool
	// LeaderTimeout ([cluster] leader timeout, CTDB default 5s): silence
	// from the leader for this long starts an election, and a node with no
	// leader waits this long (after startup or a lost race) before calling
	// one. Shorter reacts faster to a dead leader; too short for the
	// network's delays causes needless elections.
	LeaderTimeout time.Duration
	// BroadcastInterval (CTDB: 1s) is how often the leader announces itself.
	// It must be well below LeaderTimeout so one lost packet is harmless.
	BroadcastInterval time.Duration
	// UseLock is true when a cluster lock is configured. Without one the
	// driver "takes the lock" by winning ElectNoLock, and two nodes that
	// both claim leadership both step back and elect again (there is no
	// lock to say who is right).
	UseLock bool
}

// DefaultLeaderConfig returns CTDB's defaults for node self.
func DefaultLeaderConfig(self uint32) LeaderConfig {
	return LeaderConfig{
		Self:              self,
		Capable:           true,
		LeaderTimeout:     5 * time.Second,
		BroadcastInterval: time.Second,
		UseLock:           true,
	}
}

// Validate checks the fields and their relation.
func (c LeaderConfig) Validate() error {
	switch {
	case c.Self == protocol.PNNUnknown:
		return fmt.Errorf("leader config: Self is PNNUnknown (0x%x); need this node's PNN", c.Self)
	case c.LeaderTimeout <= 0:
		return fmt.Errorf("leader config: LeaderTimeout %v must be positive", c.LeaderTimeout)
	case c.BroadcastInterval <= 0:
		return fmt.Errorf("leader config: BroadcastInterval %v must be positive", c.BroadcastInterval)
	case c.BroadcastInterval >= c.LeaderTimeout:
		return fmt.Errorf("leader config: BroadcastInterval %v must be below LeaderTimeout %v", c.BroadcastInterval, c.LeaderTimeout)
	}
	return nil
}
