package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/bench/ctdbref"
	"github.com/ctdb-go/ctdb/tests/bench/system"
	"github.com/ctdb-go/ctdb/tests/netns"
)

// Interoperability with Debian's CTDB 4.17: backups in both directions,
// and a TDB file written by CTDB opened by our daemon.

func refCtdb(t *testing.T, c system.Cluster, args ...string) string {
	t.Helper()
	out, errOut, code := c.Ctdb(0, args...)
	if code != 0 {
		t.Fatalf("CTDB 4.17: ctdb %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// startReference starts a 1-node CTDB 4.17 in test mode, or skips.
func startReference(t *testing.T) (system.Cluster, string) {
	t.Helper()
	sys := ctdbref.NewWith(ctdbref.Options{TestMode: true})
	if ok, why := sys.Available(); !ok {
		t.Skipf("CTDB 4.17 is not available: %s", why)
	}
	base := t.TempDir()
	// In a network namespace of its own where namespaces can be built,
	// else on a loopback address and port of its own.
	o := system.ClusterOptions{Base: base, Nodes: 1, Port: freePort(t), Addrs: []string{"127.0.0.9"}}
	if netns.Check() == nil {
		nw := netns.New(t, 1)
		o.Addrs, o.Port = []string{nw.Host(0).Addr.String()}, 4379
		o.Wrap = func(i int, argv []string) []string { return nw.Host(i).Command(argv[0], argv[1:]...).Args }
	}
	c, err := sys.NewCluster(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("CTDB 4.17 at %s:%d (namespace: %v)", o.Addrs[0], o.Port, o.Wrap != nil)
	t.Cleanup(func() {
		if err := c.StopAll(); err != nil {
			t.Error(err)
		}
	})
	if err := c.Start(0); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, func() string {
		out, _, _ := c.Ctdb(0, "status")
		if !strings.Contains(out, "Recovery mode:NORMAL") {
			return "CTDB 4.17 not recovered: " + out
		}
		return ""
	})
	return c, base
}

var interopContent = map[string]string{"alpha": "1", "beta": "two words", "gamma": strings.Repeat("g", 200)}

func ptransInput(m map[string]string) string {
	var b strings.Builder
	for k, v := range m {
		fmt.Fprintf(&b, "%q %q\n", k, v)
	}
	return b.String()
}

func TestPersistentDBInteropWithCTDB417(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	needTdbdump(t)
	ref, refBase := startReference(t)
	refCtdb(t, ref, "attach", "interop.tdb", "persistent")
	in := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(in, []byte(ptransInput(interopContent)), 0o644); err != nil {
		t.Fatal(err)
	}
	refCtdb(t, ref, "ptrans", "interop.tdb", in)
	refCtdb(t, ref, "pstore", "interop.tdb", "delta", "stored")
	fromCTDB := filepath.Join(t.TempDir(), "ctdb.bak")
	refCtdb(t, ref, "backupdb", "interop.tdb", fromCTDB)

	// Our daemon also opens CTDB's own file of that database.
	c := cluster(t, localcluster.Options{Nodes: 1, Scripts: []string{"00.ctdb"}})
	ours := filepath.Join(c.VarDir(0), "persistent")
	os.MkdirAll(ours, 0o755)
	refFile := filepath.Join(refBase, "node0", "db", "persistent", "interop.tdb.0")
	b, err := os.ReadFile(refFile)
	if err != nil {
		t.Fatalf("CTDB 4.17's database file: %v", err)
	}
	if err := os.WriteFile(filepath.Join(ours, "copied.tdb.0"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	start(t, c, 0)
	waitRunning(t, c, 0)
	want := map[string]string{"delta": "stored"}
	for k, v := range interopContent {
		want[k] = v
	}
	for k, v := range want {
		if got := ctdb(t, c, 0, "pfetch", "copied.tdb", k); got != v+"\n" {
			t.Fatalf("CTDB's file: pfetch %s = %.60q, want %.60q", k, got, v)
		}
	}
	if s := strings.TrimSpace(ctdb(t, c, 0, "getdbseqnum", "copied.tdb")); s != "0x2" {
		t.Fatalf("CTDB's file: sequence number %s, want 0x2", s)
	}

	// Both tools print the same dump of the same backup file.
	if o, r := ctdb(t, c, 0, "dumpdbbackup", fromCTDB), refCtdb(t, ref, "dumpdbbackup", fromCTDB); o != r {
		t.Fatalf("dumpdbbackup differs:\nours:\n%s\nCTDB 4.17:\n%s", o, r)
	}

	// CTDB's backup restores into ours, every key readable.
	out := ctdb(t, c, 0, "restoredb", fromCTDB)
	if !strings.Contains(out, "Database interop.tdb restored") {
		t.Fatalf("restoredb: %s", out)
	}
	for k, v := range want {
		if got := ctdb(t, c, 0, "pfetch", "interop.tdb", k); got != v+"\n" {
			t.Fatalf("restored: pfetch %s = %.60q, want %.60q", k, got, v)
		}
	}
	// Ours backs up (with one more key) and CTDB restores it.
	ctdb(t, c, 0, "pstore", "interop.tdb", "epsilon", "from ctdb-go")
	want["epsilon"] = "from ctdb-go"
	fromOurs := filepath.Join(t.TempDir(), "ours.bak")
	ctdb(t, c, 0, "backupdb", "interop.tdb", fromOurs)
	dumpOurs, _, _ := ref.Ctdb(0, "dumpdbbackup", fromOurs)
	if !strings.Contains(dumpOurs, `key(7) = "epsilon"`) {
		t.Fatalf("CTDB's dumpdbbackup of our backup:\n%s", dumpOurs)
	}
	refCtdb(t, ref, "restoredb", fromOurs, "back.tdb")
	for k, v := range want {
		if got := refCtdb(t, ref, "pfetch", "back.tdb", k); got != v+"\n" {
			t.Fatalf("CTDB restored our backup: pfetch %s = %.60q, want %.60q", k, got, v)
		}
	}
	// Truncated and foreign backups: a clear error, the database intact.
	raw, _ := os.ReadFile(fromOurs)
	trunc := filepath.Join(t.TempDir(), "trunc.bak")
	os.WriteFile(trunc, raw[:len(raw)-10], 0o600)
	if _, errOut, code := c.Ctdb(0, "restoredb", trunc); code == 0 || !strings.Contains(errOut, trunc) {
		t.Fatalf("truncated backup: exit %d, %s", code, errOut)
	}
	if got := ctdb(t, c, 0, "pfetch", "interop.tdb", "epsilon"); got != "from ctdb-go\n" {
		t.Fatalf("after a refused restore: %q", got)
	}
}

func TestPersistentDBStock00ctdbStartup(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	needTdbdump(t)
	stock := filepath.Join(stockScriptDir, "00.ctdb.script")
	body, err := os.ReadFile(stock)
	if err != nil {
		t.Skipf("CTDB 4.17's 00.ctdb: %v", err)
	}
	c := cluster(t, localcluster.Options{Nodes: 1, Scripts: []string{"00.ctdb"}})
	if err := os.WriteFile(filepath.Join(c.ConfigDir(0), "events.d", "00.ctdb"), body, 0o755); err != nil {
		t.Fatal(err)
	}
	start(t, c, 0)
	waitRunning(t, c, 0)
	out := ctdb(t, c, 0, "getdbmap")
	if !strings.Contains(out, "name:ctdb.tdb path:"+filepath.Join(c.VarDir(0), "persistent", "ctdb.tdb.0")+" PERSISTENT") {
		t.Fatalf("ctdb.tdb not attached by 00.ctdb's startup:\n%s", out)
	}
	// Its init check accepts our files on the next start.
	if err := c.Stop(0, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	start(t, c, 0)
	waitRunning(t, c, 0)
}
