package daemon

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// systemd's notify protocol (Type=notify), through go-systemd. Without
// NOTIFY_SOCKET every call is a no-op.

// sdNotify sends one notification; it logs a failure once.
func (d *Daemon) sdNotify(state string) {
	if os.Getenv("NOTIFY_SOCKET") == "" {
		return
	}
	if _, err := sd.SdNotify(false, state); err != nil {
		d.obs.statusMu.Lock()
		first := !d.obs.notifyFailed
		d.obs.notifyFailed = true
		d.obs.statusMu.Unlock()
		if first {
			d.log.Warningf("Cannot notify systemd: %v", err)
		}
	}
}

// sdStatus sets the STATUS= line systemctl shows, when it changes.
func (d *Daemon) sdStatus(msg string) {
	d.obs.statusMu.Lock()
	same := d.obs.status == msg
	d.obs.status = msg
	d.obs.statusMu.Unlock()
	if !same {
		d.sdNotify("STATUS=" + msg)
	}
}

// firstRecoveryStatus says what the node waits for before its first
// recovery is done.
func (d *Daemon) firstRecoveryStatus() string {
	d.mu.Lock()
	leader, self := d.st.Leader, d.st.Self
	d.mu.Unlock()
	switch {
	case leader == self:
		return "First recovery: running it as the leader"
	case leader != protocol.PNNUnknown:
		return fmt.Sprintf("First recovery: waiting for the leader (node %d)", leader)
	case d.cfg.Cluster.ClusterLock != "":
		return "First recovery: waiting for the cluster lock (no leader yet)"
	}
	return "First recovery: waiting for a leader to be elected"
}

// watchdogLoop sends WATCHDOG=1 at half of WatchdogSec while the main
// loop answers (Alive); when the loop is stuck the pings stop and
// systemd acts (kills and, with Restart=on-watchdog, restarts ctdbd).
func (d *Daemon) watchdogLoop(ctx context.Context) {
	iv, err := sd.SdWatchdogEnabled(false)
	if err != nil {
		d.log.Warningf("Ignoring the systemd watchdog settings: %v", err)
		return
	}
	if iv == 0 {
		return
	}
	// The loop must count as stuck well before systemd's deadline.
	if iv/2 < aliveWithin {
		d.obs.aliveWithin.Store(int64(iv / 2))
	}
	d.log.Infof("Systemd watchdog enabled: pinging every %v while the main loop is alive", iv/2)
	t := time.NewTicker(iv / 2)
	defer t.Stop()
	stuck := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if d.Alive() {
			if stuck {
				d.log.Info("Main loop answers again: watchdog pings resume")
				stuck = false
			}
			d.sdNotify("WATCHDOG=1")
			continue
		}
		if !stuck {
			d.log.Errorf("Main loop not answering for %v: no watchdog ping", time.Duration(d.obs.aliveWithin.Load()))
			stuck = true
		}
	}
}

// runningStatus is the STATUS= line of a running node: its own state and
// the leader, e.g. "Running: node UNHEALTHY, leader 2".
func (d *Daemon) runningStatus() string {
	d.mu.Lock()
	flags, leader := d.st.self().Flags, d.st.Leader
	d.mu.Unlock()
	var names []string
	for _, f := range []struct {
		bit  uint32
		name string
	}{{protocol.FlagBanned, "BANNED"}, {protocol.FlagStopped, "STOPPED"},
		{protocol.FlagPermanentlyDisabled, "DISABLED"}, {protocol.FlagUnhealthy, "UNHEALTHY"}} {
		if flags&f.bit != 0 {
			names = append(names, f.name)
		}
	}
	state := "OK"
	if len(names) > 0 {
		state = strings.Join(names, "|")
	}
	if leader == protocol.PNNUnknown {
		return fmt.Sprintf("Running: node %s, no leader (election)", state)
	}
	return fmt.Sprintf("Running: node %s, leader %d", state, leader)
}
