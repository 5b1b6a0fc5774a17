package harness

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestUntil(t *testing.T) {
	n := 0
	if err := Until(time.Second, time.Millisecond, func() string {
		if n++; n < 3 {
			return "not yet"
		}
		return ""
	}); err != nil || n != 3 {
		t.Errorf("Until: %v after %d calls, want nil after 3", err, n)
	}
	t0 := time.Now()
	err := Until(30*time.Millisecond, 10*time.Millisecond, func() string { return "never" })
	if err == nil || !strings.Contains(err.Error(), "never") || time.Since(t0) < 30*time.Millisecond {
		t.Errorf("Until of a false condition: %v after %v", err, time.Since(t0))
	}
}

func TestConverged(t *testing.T) {
	ok := func(leader int, gen uint32) Status {
		return Status{Flags: map[int]string{0: "OK", 1: "OK"}, Generation: gen, Normal: true, Leader: leader}
	}
	want := map[int]string{0: "OK", 1: "OK"}
	if why := Converged(map[int]Status{0: ok(1, 7), 1: ok(1, 7)}, want); why != "" {
		t.Errorf("agreeing nodes: %s", why)
	}
	for name, sts := range map[string]map[int]Status{
		"two leaders":     {0: ok(0, 7), 1: ok(1, 7)},
		"two generations": {0: ok(1, 7), 1: ok(1, 8)},
		"no leader":       {0: ok(-1, 7)},
		"invalid gen":     {0: ok(1, invalidGeneration)},
		"in recovery":     {0: {Flags: want, Generation: 7, Leader: 1}},
		"wrong flags":     {0: {Flags: map[int]string{0: "OK", 1: "UNHEALTHY"}, Generation: 7, Normal: true, Leader: 1}},
	} {
		if why := Converged(sts, want); why == "" {
			t.Errorf("%s: reported converged", name)
		}
	}
}

func TestEnvAndSummary(t *testing.T) {
	t.Setenv("HARNESS_T", "x")
	if _, err := EnvInt("HARNESS_T", 1); err == nil {
		t.Error("EnvInt accepted x")
	}
	if _, err := EnvHold("HARNESS_T", [2]time.Duration{}); err == nil {
		t.Error("EnvHold accepted x")
	}
	if _, err := EnvTunables("HARNESS_T"); err == nil {
		t.Error("EnvTunables accepted x")
	}
	t.Setenv("HARNESS_T", "2-3")
	if h, err := EnvHold("HARNESS_T", [2]time.Duration{}); err != nil || h != [2]time.Duration{2 * time.Second, 3 * time.Second} {
		t.Errorf("EnvHold 2-3: %v %v", h, err)
	}
	if n, err := EnvInt("HARNESS_UNSET", 4); err != nil || n != 4 {
		t.Errorf("EnvInt default: %d %v", n, err)
	}
	if s := Summary([]time.Duration{3 * time.Second, time.Second, 2 * time.Second}); s != "n=3 min 1s median 2s mean 2s max 3s" {
		t.Errorf("Summary: %s", s)
	}
}

// The node lines of `ctdb -X nodestatus` as CTDB 4.17 prints them
// (shared/reference/ctdb-tool-output.md) become the flags of `ctdb status`.
func TestParseMachineNodes(t *testing.T) {
	out := "|Node|IP|Disconnected|Unknown|Banned|Disabled|Unhealthy|Stopped|Inactive|PartiallyOnline|ThisNode|\n" +
		"|0|10.97.0.1|0|0|0|0|0|0|0|0|Y|\n" +
		"|1|10.97.0.2|0|0|0|1|1|0|0|0|N|\n" +
		"|2|10.97.0.3|1|0|1|0|0|0|1|0|N|\n"
	got := ParseMachineNodes(out)
	want := map[int]string{0: "OK", 1: "DISABLED|UNHEALTHY", 2: "DISCONNECTED|BANNED|INACTIVE"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for pnn, f := range want {
		if got[pnn] != f {
			t.Errorf("node %d: %q, want %q", pnn, got[pnn], f)
		}
	}
}

// TestFreePortIsFreeOnEveryNodeAddress: the port can be listened on at
// every loopback node address and lies below the ephemeral range, so an
// outgoing connection from a node address (which binds an ephemeral port
// there) can neither hold it now nor take it before the nodes bind. The
// old check (a free port on 127.0.0.1, from the ephemeral range) failed
// both: node 1 of a bench cluster once stayed DISCONNECTED for 4 minutes.
func TestFreePortIsFreeOnEveryNodeAddress(t *testing.T) {
	// An outgoing connection from 127.0.0.2, as a node dials its peers.
	srv, err := net.Listen("tcp", "127.0.0.3:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	go func() {
		for {
			c, err := srv.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
	out, err := d.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	held := out.LocalAddr().(*net.TCPAddr).Port

	_, ephemeral := portRangeBelowEphemeral()
	for i := 0; i < 20; i++ {
		port, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if port >= ephemeral || port == held {
			t.Fatalf("FreePort gave %d: in the ephemeral range (from %d), where outgoing connections take ports (one holds %d on 127.0.0.2)",
				port, ephemeral, held)
		}
		for _, addr := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.64"} {
			l, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
			if err != nil {
				t.Fatalf("FreePort gave %d, not free on %s: %v", port, addr, err)
			}
			l.Close()
		}
	}
}

func TestKeepLogsWritesEveryNodesLog(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kept", "rep1")
	logs := []string{"zero\n", "one\n"}
	if err := KeepLogs(dir, "T.", len(logs), func(i int) string { return logs[i] }); err != nil {
		t.Fatal(err)
	}
	for i, want := range logs {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("T.node%d.log", i)))
		if err != nil || string(b) != want {
			t.Errorf("node %d: read %q, %v; want %q", i, b, err, want)
		}
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := KeepLogs(filepath.Join(file, "sub"), "", 1, func(int) string { return "" }); err == nil {
		t.Error("a directory under a plain file: no error")
	}
}
