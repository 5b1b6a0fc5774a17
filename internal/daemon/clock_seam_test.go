package daemon

import (
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/clock"
	"github.com/ctdb-go/ctdb/internal/config"
	"github.com/ctdb-go/ctdb/internal/logging"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/tunables"
	"github.com/ctdb-go/ctdb/tests/harness/poll"
)

// The daemon takes its time from Options.Clock: a ban ends when the fake
// clock passes it, not when wall time does.
func TestDaemonUsesClockFromOptions(t *testing.T) {
	cfg := config.Default(t.TempDir())
	cfg.Tunables = tunables.Defaults()
	cfg.Nodes = []config.Node{{PNN: 0, Addr: netip.MustParseAddr("127.0.0.1")}}
	cfg.Cluster.NodeAddress = "127.0.0.1"
	lg, err := logging.New(logging.Options{Output: io.Discard, Tag: "ctdbd"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	fake := clock.NewFake(start)
	d, err := New(Options{Config: cfg, Logger: lg, Clock: fake})
	if err != nil {
		t.Fatal(err)
	}
	if d.st.started != start || d.st.LastLeader != start {
		t.Fatalf("start times %v, %v: not the fake clock's", d.st.started, d.st.LastLeader)
	}
	if _, err := d.ctlBan(t.Context(), protocol.Header{}, &protocol.Ban{Seconds: 60}); err != nil {
		t.Fatal(err)
	}
	banned := func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.st.self().Flags&protocol.FlagBanned != 0
	}
	if !banned() {
		t.Fatal("not banned after BAN 60")
	}
	fake.Advance(59 * time.Second)
	if !banned() {
		t.Fatal("ban lifted before the fake clock reached it")
	}
	fake.Advance(time.Second)
	// The ban timer fires on the fake clock; its effect runs in the
	// timer's goroutine, so wait for it (real time only bounds the wait).
	if !poll.True(5*time.Second, 5*time.Millisecond, func() bool { return !banned() }) {
		t.Fatal("ban not lifted once the fake clock passed 60 s")
	}
}
