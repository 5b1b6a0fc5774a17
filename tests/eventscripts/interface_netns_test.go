package eventscripts_test

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/harness/poll"
	"github.com/ctdb-go/ctdb/tests/harness/suite"
	"github.com/ctdb-go/ctdb/tests/netns"
)

// nsScript runs events.d/NAME inside h's network namespace (nsenter --net:
// the real ip acts on the namespace's interfaces only), bounded by 30 s.
func (n *node) nsScript(h *netns.Host, name string, args ...string) result {
	n.t.Helper()
	return n.nsExec(h, append([]string{filepath.Join(n.base, "events.d", name)}, args...)...)
}

// nsExec runs the shell with args inside h's network namespace, bounded by
// 30 s.
func (n *node) nsExec(h *netns.Host, args ...string) result {
	n.t.Helper()
	cmd := h.Command(n.shell, args...)
	cmd.Env = n.environ()
	cmd.Dir = n.vardir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		n.t.Fatalf("start %v: %v", cmd.Args, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill() // our own child, by PID
		<-done
		n.t.Fatalf("%v did not finish in 30 s; output:\n%s", cmd.Args, out.String())
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return result{out.String(), 0}
	case errors.As(err, &ee):
		return result{out.String(), ee.ExitCode()}
	}
	n.t.Fatalf("%v: %v\n%s", cmd.Args, err, out.String())
	return result{}
}

// nsAddrs is "ip -o addr show dev eth0" inside h.
func nsAddrs(t *testing.T, h *netns.Host) string {
	t.Helper()
	return h.Run(t, "ip", "-o", "addr", "show", "dev", h.Iface)
}

func expectNsAddr(t *testing.T, h *netns.Host, what, addr string, present bool) {
	t.Helper()
	got := nsAddrs(t, h)
	if strings.Contains(got, " "+addr+" ") != present {
		t.Fatalf("%s: %s present=%v wanted %v; ip -o addr in %s:\n%s", what, addr, !present, present, h.Label, got)
	}
}

// The real ip in a network namespace: takeip, releaseip, startup, and
// monitor against an interface really set down and up.
func TestInterfaceInNetns(t *testing.T) {
	if err := netns.Check(); err != nil {
		suite.Skip(t, suite.Netns, err.Error())
	}
	nw := netns.New(t, 1)
	h := nw.Host(0)
	n := newNode(t) // no stub ip: the real one, inside the namespace
	n.writeFile(filepath.Join(n.base, "public_addresses"),
		"10.97.0.200/24 eth0\n10.98.0.5/24 eth0\n10.98.0.6/24 eth0\nfd00:97::200/64 eth0\n", 0o644)
	node := h.Prefix.String() // the host's own address, never public

	expectEmpty(t, "takeip", n.nsScript(h, ifaceScript, "takeip", "eth0", "10.97.0.200", "24"))
	expectNsAddr(t, h, "takeip", "10.97.0.200/24 brd 10.97.0.255", true)
	expectEmpty(t, "takeip again", n.nsScript(h, ifaceScript, "takeip", "eth0", "10.97.0.200", "24"))
	if c := strings.Count(nsAddrs(t, h), "10.97.0.200/"); c != 1 {
		t.Fatalf("10.97.0.200 on eth0 %d times after a second takeip", c)
	}
	expectEmpty(t, "takeip v6", n.nsScript(h, ifaceScript, "takeip", "eth0", "fd00:97::200", "64"))
	if got := nsAddrs(t, h); !strings.Contains(got, "inet6 fd00:97::200/64") || strings.Contains(got, "fd00:97::200/64 scope global tentative") {
		t.Fatalf("fd00:97::200 missing or tentative (DAD not skipped):\n%s", got)
	}
	expectEmpty(t, "monitor", n.nsScript(h, ifaceScript, "monitor"))

	// 10.98.0.5 is the primary address of 10.98.0.0/24 on eth0 and
	// 10.98.0.6 a secondary: removing the first must leave the second.
	expectEmpty(t, "takeip .5", n.nsScript(h, ifaceScript, "takeip", "eth0", "10.98.0.5", "24"))
	expectEmpty(t, "takeip .6", n.nsScript(h, ifaceScript, "takeip", "eth0", "10.98.0.6", "24"))
	got := n.nsScript(h, ifaceScript, "releaseip", "eth0", "10.98.0.5", "24")
	expect(t, "release primary", got, 0)
	t.Logf("release primary: %q", got.out)
	expectNsAddr(t, h, "release primary", "10.98.0.5/24", false)
	expectNsAddr(t, h, "release primary", "10.98.0.6/24", true)

	expectEmpty(t, "releaseip", n.nsScript(h, ifaceScript, "releaseip", "eth0", "10.97.0.200", "24"))
	expectNsAddr(t, h, "releaseip", "10.97.0.200/24", false)
	expectNsAddr(t, h, "releaseip", node, true)
	expectEmpty(t, "releaseip again", n.nsScript(h, ifaceScript, "releaseip", "eth0", "10.97.0.200", "24"))

	// Leftovers (10.98.0.6, fd00:97::200) go at startup; the node's own
	// address stays.
	got = n.nsScript(h, ifaceScript, "startup")
	expect(t, "startup", got, 0,
		"WARNING: removing unassigned public address 10.98.0.6 from eth0",
		"WARNING: removing unassigned public address fd00:97::200 from eth0")
	if strings.Count(got.out, "removing") != 2 {
		t.Fatalf("startup: want 2 removals:\n%s", got.out)
	}
	after := nsAddrs(t, h)
	if strings.Contains(after, "10.98.0.6/") || strings.Contains(after, "fd00:97::200/") || !strings.Contains(after, " "+node+" ") {
		t.Fatalf("after startup, ip -o addr in %s:\n%s", h.Label, after)
	}

	h.Run(t, "ip", "link", "set", "dev", "eth0", "down")
	expect(t, "monitor, link down", n.nsScript(h, ifaceScript, "monitor"), 1,
		"ERROR: No link on the public network interface eth0")
	h.Run(t, "ip", "link", "set", "dev", "eth0", "up")
	waitMonitorOK(t, n, h)

	// takeip sets an administratively down interface up.
	h.Run(t, "ip", "link", "set", "dev", "eth0", "down")
	expectEmpty(t, "takeip, link down", n.nsScript(h, ifaceScript, "takeip", "eth0", "10.97.0.200", "24"))
	if link := h.Run(t, "ip", "-o", "link", "show", "dev", "eth0"); !strings.Contains(link, ",UP") {
		t.Fatalf("takeip left eth0 down: %s", link)
	}
	expectNsAddr(t, h, "takeip, link down", "10.97.0.200/24", true)
	waitMonitorOK(t, n, h)
}

// waitMonitorOK polls monitor until it passes (carrier comes back with the
// link, normally at once), for at most 10 s.
func waitMonitorOK(t *testing.T, n *node, h *netns.Host) {
	t.Helper()
	err := poll.Until(10*time.Second, 50*time.Millisecond, func() string {
		if got := n.nsScript(h, ifaceScript, "monitor"); got.rc != 0 || got.out != "" {
			return fmt.Sprintf("rc %d\n%s", got.rc, got.out)
		}
		return ""
	})
	if err != nil {
		t.Fatalf("monitor still failing after the link came up: %v", err)
	}
}
