// Package metrics serves ctdbd's metrics in Prometheus' text format, and
// /healthz and /readyz for orchestrators, on `[metrics] listen` (off when
// empty). It renders a View, which the daemon builds from its state and
// its statistics registry (internal/stats) at every scrape: the metrics
// hold no state of their own.
package metrics

import (
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/stats"
)

// View is the daemon's state at one scrape.
type View struct {
	Version    string
	PNN        uint32
	Leader     uint32 // protocol.PNNUnknown when none is known
	RecMode    int32
	Generation uint32
	Runstate   string
	Nodes      []NodeView
	LockHeld   bool
	IPs        []IPView
	Misplaced  int
	Facts      stats.Facts
	Statistics protocol.Statistics
	// Alive: the main loop answers (/healthz). Ready: this
	// node is OK and RUNNING (/readyz).
	Alive, Ready bool
}

// NodeView is one node as this node sees it.
type NodeView struct {
	PNN      uint32
	Address  string
	Flags    uint32
	Runstate string
	RTT      time.Duration // keepalive round trip; 0 = none measured (or this node)
}

// IPView is a public address and its holder (protocol.PNNUnknown: none).
type IPView struct {
	Address string
	Holder  uint32
}

// Source gives the current View.
type Source interface {
	MetricsView() View
}
