package daemon

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/ctdb-go/ctdb/internal/netif"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// scriptCmdState is what the commands of scripts and operators change at
// run time: interface link states, the node's roles, and the recovery
// daemon's pid (for its memory report).
type scriptCmdState struct {
	mu sync.Mutex
	// links is the link state last set by `ctdb setifacelink` (10.interface
	// sets it at every monitor event). An interface never set is read from
	// the kernel.
	links   map[string]bool
	leader  atomic.Bool // LEADER capability (setleaderrole)
	lmaster atomic.Bool // LMASTER capability (setlmasterrole)
	recdPID atomic.Int64
}

// linkUp is the link state of iface as ctdbd uses it for its public
// addresses.
func (d *Daemon) linkUp(iface string) bool {
	d.sc.mu.Lock()
	up, set := d.sc.links[iface]
	d.sc.mu.Unlock()
	if set {
		return up
	}
	up, _ = netif.LinkUp(iface)
	return up
}

// configuredIface reports whether public_addresses names iface.
func (d *Daemon) configuredIface(iface string) bool {
	d.ip.mu.Lock()
	defer d.ip.mu.Unlock()
	for _, pa := range d.ip.list {
		for _, i := range pa.Ifaces {
			if i == iface {
				return true
			}
		}
	}
	return false
}

func (d *Daemon) ctlSetIfaceLink(ctx context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.IfaceLink)
	if !d.configuredIface(r.Name) {
		return nil, protocol.Errorf(protocol.StatusNotFound, "Interface %s not configured on node %d", r.Name, d.st.Self)
	}
	d.sc.mu.Lock()
	if d.sc.links == nil {
		d.sc.links = map[string]bool{}
	}
	old, set := d.sc.links[r.Name]
	d.sc.links[r.Name] = r.Up
	d.sc.mu.Unlock()
	if set && old == r.Up {
		return nil, nil
	}
	d.log.Infof("Interface %s link state set to %s", r.Name, either(r.Up, "up", "down"))
	// The leader reassigns addresses whose interfaces changed.
	go d.requestTakeover(context.WithoutCancel(ctx))
	return nil, nil
}

// either is yes if b, else no.
func either(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// ctlProcessExists answers as CTDB does: a process "exists" for ctdbd
// when it is alive and connected to ctdbd as a client. Nothing registers
// for SRVIDs with this daemon, so a query with a SRVID is always false.
func (d *Daemon) ctlProcessExists(_ context.Context, _ protocol.Header, req any) (any, error) {
	q := req.(*protocol.ProcessQuery)
	if q.HasSRVID || q.PID <= 0 || !d.srv.HasClient(q.PID) {
		return protocol.ProcessExists{}, nil
	}
	err := syscall.Kill(int(q.PID), 0)
	return protocol.ProcessExists{Exists: err == nil || err == syscall.EPERM}, nil
}

func (d *Daemon) ctlSetCapabilities(_ context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.SetCapabilities)
	changed := false
	if r.Leader != nil && d.sc.leader.Swap(*r.Leader) != *r.Leader {
		d.log.Infof("LEADER capability %s", either(*r.Leader, "on", "off"))
		changed = true
	}
	if r.LMaster != nil && d.sc.lmaster.Swap(*r.LMaster) != *r.LMaster {
		d.log.Infof("LMASTER capability %s", either(*r.LMaster, "on", "off"))
		changed = true
	}
	if changed {
		d.stateChanged()
	}
	return nil, nil
}

// ctlRecover hands a recovery request to the leader's recovery daemon.
func (d *Daemon) ctlRecover(ctx context.Context, _ protocol.Header, _ any) (any, error) {
	d.mu.Lock()
	leader := d.st.Leader
	d.mu.Unlock()
	switch leader {
	case protocol.PNNUnknown:
		return nil, protocol.Errorf(protocol.StatusUnreachable, "no leader is known: an election is running")
	case d.st.Self:
		d.log.Info("Recovery requested (ctdb recover)")
		d.pushRecd(protocol.MsgRecover, protocol.Empty{})
		return nil, nil
	}
	return d.forward(ctx, protocol.Header{Op: protocol.OpRecover, DstPNN: leader}, protocol.Empty{})
}

func (d *Daemon) ctlDumpMemory(context.Context, protocol.Header, any) (any, error) {
	var b strings.Builder
	writeProcMemory(&b, "ctdbd", os.Getpid(), d.st.Self)
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Fprintf(&b, "Go runtime:\n")
	fmt.Fprintf(&b, "    %-22s %12d bytes in %d objects\n", "heap in use", m.HeapAlloc, m.HeapObjects)
	fmt.Fprintf(&b, "    %-22s %12d bytes\n", "heap reserved", m.HeapSys)
	fmt.Fprintf(&b, "    %-22s %12d bytes\n", "stacks", m.StackInuse)
	fmt.Fprintf(&b, "    %-22s %12d bytes\n", "total from the system", m.Sys)
	fmt.Fprintf(&b, "    %-22s %12d\n", "garbage collections", m.NumGC)
	fmt.Fprintf(&b, "    %-22s %12d\n", "goroutines", runtime.NumGoroutine())
	if g := d.ip.guard; g != nil && g.cmd != nil && g.cmd.Process != nil {
		writeProcMemory(&b, "address guard", g.cmd.Process.Pid, d.st.Self)
	}
	return protocol.MemoryReport{Text: b.String()}, nil
}

func (d *Daemon) ctlRecdDumpMemory(context.Context, protocol.Header, any) (any, error) {
	pid := int(d.sc.recdPID.Load())
	if pid == 0 {
		return nil, protocol.Errorf(protocol.StatusNotFound, "the recovery daemon is not running on node %d", d.st.Self)
	}
	var b strings.Builder
	writeProcMemory(&b, "ctdb-recoverd", pid, d.st.Self)
	return protocol.MemoryReport{Text: b.String()}, nil
}

// procMemoryFields are the lines of /proc/PID/status a memory report
// shows.
var procMemoryFields = []string{"VmPeak", "VmSize", "VmHWM", "VmRSS", "RssAnon", "RssFile", "VmData", "VmStk", "Threads"}

// writeProcMemory writes the memory lines of /proc/PID/status.
func writeProcMemory(b *strings.Builder, name string, pid int, pnn uint32) {
	fmt.Fprintf(b, "Memory of %s (pid %d) on node %d\n", name, pid, pnn)
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		fmt.Fprintf(b, "    cannot read: %v\n", err)
		return
	}
	defer f.Close()
	want := map[string]bool{}
	for _, k := range procMemoryFields {
		want[k] = true
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && want[k] {
			fmt.Fprintf(b, "    %-22s %12s\n", k, strings.TrimSpace(v))
		}
	}
}
