package tests

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReleaseResetsWhileAnotherReleaseRuns: removing the primary address of
// a subnet makes the kernel drop the subnet's secondary addresses until
// 10.interface adds them back. A connection on a secondary address whose
// release started inside that window was destroyed without a RST (no local
// source address to send it from), and the client never learnt of it: the
// flaky "open connection ... was not reset" of TestPublicIPFailover's ban,
// where the banned node's own release-all and the leader's releases run at
// once. A fake `ip` holds the window open (2 s) so the race is certain.
func TestReleaseResetsWhileAnotherReleaseRuns(t *testing.T) {
	realIP, err := exec.LookPath("ip")
	if err != nil {
		t.Skipf("no ip command: %v", err)
	}
	dir := t.TempDir()
	gate, window := filepath.Join(dir, "gate"), filepath.Join(dir, "window")
	// The first "ip addr add" after the gate opens is the re-add of the
	// dropped secondaries: say so, and hold it back for 2 s.
	wrapper := fmt.Sprintf("#!/bin/sh\nif [ \"$1 $2\" = \"addr add\" ] && rm %s 2>/dev/null; then touch %s; sleep 2; fi\nexec %s \"$@\"\n",
		gate, window, realIP)
	if err := os.WriteFile(filepath.Join(dir, "ip"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	// The window exists only while promote_secondaries is off: the scripts
	// set it by default, and CTDB_SET_PROMOTE_SECONDARIES=no leaves it off.
	ic := newIPClusterEnv(t, 1, nil, []string{"PATH=" + dir + ":" + os.Getenv("PATH"), "CTDB_SET_PROMOTE_SECONDARIES=no"})
	startAll(t, ic.Cluster)
	waitConverged(t, ic.Cluster, seq(1), allOK(1), 30*time.Second)
	eventually(t, 20*time.Second, func() string { return ic.hostedOnceBy(seq(1)) })

	primary, secondary := primaryAndSecondary(t, ic)
	held, err := ic.holdOpen(secondary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 2)
	delip := func(a netip.Addr) {
		out, errOut, code := ic.Ctdb(0, "delip", a.String())
		if code != 0 {
			done <- fmt.Sprintf("ctdb delip %s: exit %d: %s%s", a, code, out, errOut)
			return
		}
		done <- ""
	}
	go delip(primary)
	eventually(t, 10*time.Second, func() string {
		if _, err := os.Stat(window); err != nil {
			return "the release of the primary address has not dropped the secondaries yet"
		}
		return ""
	})
	if ok, _ := ic.hosts[0].HasAddr("eth0", secondary); ok {
		t.Fatalf("%s still on eth0 after %s was removed: the kernel promotes secondaries here", secondary, primary)
	}
	go delip(secondary)
	for range 2 {
		if msg := <-done; msg != "" {
			t.Fatal(msg)
		}
	}
	// Both releases have finished: a reset was sent by now if ever.
	select {
	case err := <-held:
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("open connection to %s ended with %v, want a reset", secondary, err)
		}
	case <-time.After(2 * time.Second):
		t.Errorf("open connection to %s was not reset by its release", secondary)
	}
}

// primaryAndSecondary returns node 0's primary public address of the
// public subnet and one of its secondary ones.
func primaryAndSecondary(t *testing.T, ic *ipCluster) (netip.Addr, netip.Addr) {
	t.Helper()
	var primary, secondary netip.Addr
	for _, l := range strings.Split(ic.hosts[0].Run(t, "ip", "-4", "-o", "addr", "show", "dev", "eth0"), "\n") {
		f := strings.Fields(l)
		if len(f) < 4 || !strings.HasPrefix(f[3], publicPrefix) {
			continue
		}
		p, err := netip.ParsePrefix(f[3])
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(l, " secondary ") {
			secondary = p.Addr()
		} else {
			primary = p.Addr()
		}
	}
	if !primary.IsValid() || !secondary.IsValid() {
		t.Fatalf("no primary and secondary public address on node 0")
	}
	return primary, secondary
}
