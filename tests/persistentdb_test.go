package tests

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/client"
	"github.com/ctdb-go/ctdb/internal/dbfmt"
	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// Persistent databases on a real 3-node cluster: transactions from every
// node at once, kill -9 of a node and of the leader in the middle of a
// stream of commits, and a corrupt file at startup.

const pdb = "pdbtest.tdb"

func needTdbdump(t *testing.T) {
	if _, err := exec.LookPath("tdbdump"); err != nil {
		t.Skip("tdbdump (Debian's tdb-tools) is not installed")
	}
}

func dbCluster(t *testing.T, n int) *localcluster.Cluster {
	needTdbdump(t)
	c := cluster(t, localcluster.Options{Nodes: n, Scripts: []string{"00.ctdb"},
		Tunables: map[string]uint32{"KeepaliveInterval": 1, "KeepaliveLimit": 3, "MonitorInterval": 5}})
	startAll(t, c)
	waitConverged(t, c, seq(n), allOK(n), 30*time.Second)
	ctdb(t, c, 0, "attach", pdb, "persistent")
	return c
}

func dbFile(c *localcluster.Cluster, i int) string {
	return filepath.Join(c.VarDir(i), "persistent", fmt.Sprintf("%s.%d", pdb, i))
}

// dump is tdbdump's output of node i's copy with the records sorted (TDB's
// order depends on the file's history, the content does not).
func dump(t *testing.T, c *localcluster.Cluster, i int) string {
	t.Helper()
	out, err := exec.Command("tdbdump", dbFile(c, i)).CombinedOutput()
	if err != nil {
		t.Fatalf("tdbdump of node %d: %v\n%s", i, err, out)
	}
	recs := strings.Split(strings.TrimSpace(string(out)), "}\n")
	sort.Strings(recs)
	return strings.Join(recs, "}\n")
}

// trans runs one transaction through node i's daemon, retrying while a
// recovery is in progress, as the ctdb tool does.
func trans(cl *client.Client, tr protocol.DBTrans, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := cl.Call(ctx, protocol.PNNCurrent, protocol.OpDBTrans, tr, nil)
		cancel()
		if err == nil || protocol.StatusOf(err) != protocol.StatusInRecovery || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond) // Deliberate pause: back-off between retries during a recovery, as the ctdb tool does
	}
}

func put(key, val string) protocol.DBTrans {
	return protocol.DBTrans{DB: protocol.DBRef{Name: pdb}, Changes: []protocol.DBChange{{Key: []byte(key), Value: []byte(val)}}}
}

func dial(t *testing.T, c *localcluster.Cluster, i int) *client.Client {
	t.Helper()
	cl, err := client.Dial(c.Socket(i), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

func seqnumOf(t *testing.T, c *localcluster.Cluster, i int) string {
	return strings.TrimSpace(ctdb(t, c, i, "getdbseqnum", pdb))
}

func identical(t *testing.T, c *localcluster.Cluster, nodes []int) string {
	t.Helper()
	ref := dump(t, c, nodes[0])
	for _, i := range nodes[1:] {
		if d := dump(t, c, i); d != ref {
			return fmt.Sprintf("node %d's copy differs from node %d's", i, nodes[0])
		}
	}
	return ""
}

func TestPersistentDBConcurrentTransactions(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	c := dbCluster(t, 3)
	const total = 1000
	var wg sync.WaitGroup
	errs := make(chan error, total)
	for w := 0; w < 6; w++ { // two writers per node
		cl := dial(t, c, w%3)
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for k := w; k < total; k += 6 {
				// Every transaction writes its own key and one shared key.
				tr := put(fmt.Sprintf("key-%04d", k), fmt.Sprintf("from-node-%d", w%3))
				tr.Changes = append(tr.Changes, protocol.DBChange{Key: []byte("shared"), Value: []byte(fmt.Sprint(k))})
				if err := trans(cl, tr, 30*time.Second); err != nil {
					errs <- fmt.Errorf("transaction %d: %v", k, err)
					return
				}
			}
		}(w)
	}
	// A few through the real tool, stdin included.
	cmd := exec.Command(filepath.Join(c.BinDir, "ctdb"), "ptrans", pdb)
	cmd.Env = c.Env(2)
	cmd.Stdin = strings.NewReader("\"tool-key\" \"tool value\"\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ctdb ptrans: %v\n%s", err, out)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if msg := identical(t, c, []int{0, 1, 2}); msg != "" {
		t.Fatal(msg)
	}
	for i := 0; i < 3; i++ {
		if s := seqnumOf(t, c, i); s != fmt.Sprintf("%#x", total+1) {
			t.Fatalf("node %d: sequence number %s, want %#x", i, s, total+1)
		}
	}
	d := dump(t, c, 1)
	for k := 0; k < total; k++ {
		if !strings.Contains(d, fmt.Sprintf("key(8) = \"key-%04d\"", k)) {
			t.Fatalf("key-%04d missing", k)
		}
	}
	if out := ctdb(t, c, 0, "pfetch", pdb, "tool-key"); out != "tool value\n" {
		t.Fatalf("pfetch tool-key = %q", out)
	}
}

// writer commits keys "<name>-N" one at a time through one node until
// stopped, and records every acknowledged key.
type writer struct {
	name  string
	mu    sync.Mutex
	acked []string
}

func (w *writer) run(cl *client.Client, stop <-chan struct{}, done func()) {
	defer done()
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		k := fmt.Sprintf("%s-%05d", w.name, n)
		if err := trans(cl, put(k, "v"), 20*time.Second); err != nil {
			continue // not acknowledged: may or may not be committed
		}
		w.mu.Lock()
		w.acked = append(w.acked, k)
		w.mu.Unlock()
	}
}

func (w *writer) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked)
}

// startStream starts a writer on each node; stop stops them and waits.
func startStream(t *testing.T, c *localcluster.Cluster, nodes []int) ([]*writer, func()) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var ws []*writer
	for _, i := range nodes {
		w := &writer{name: fmt.Sprintf("w%d", i)}
		ws = append(ws, w)
		wg.Add(1)
		go w.run(dial(t, c, i), stop, wg.Done)
	}
	return ws, func() { close(stop); wg.Wait() }
}

// moreCommits waits until every writer has n more acknowledged commits.
func moreCommits(t *testing.T, ws []*writer, n int) {
	t.Helper()
	base := make([]int, len(ws))
	for i, w := range ws {
		base[i] = w.count()
	}
	eventually(t, 30*time.Second, func() string {
		for i, w := range ws {
			if w.count() < base[i]+n {
				return fmt.Sprintf("writer %s at %d commits, want %d", w.name, w.count(), base[i]+n)
			}
		}
		return ""
	})
}

// killNode kills node i's ctdbd with SIGKILL and waits until the process
// is gone (its pid file lock is released only then).
func killNode(t *testing.T, c *localcluster.Cluster, i int) {
	t.Helper()
	pid := c.PID(i)
	if err := c.Kill(i, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !localcluster.WaitGone(pid, 10*time.Second) {
		t.Fatalf("node %d (pid %d) still running 10 s after SIGKILL", i, pid)
	}
}

func checkAcked(t *testing.T, c *localcluster.Cluster, nodes []int, ws []*writer) {
	t.Helper()
	for _, i := range nodes {
		d := dump(t, c, i)
		for _, w := range ws {
			for _, k := range w.acked {
				if !strings.Contains(d, fmt.Sprintf("%q", k)) {
					t.Fatalf("node %d lost acknowledged key %s", i, k)
				}
			}
		}
	}
}

func TestPersistentDBNodeKilledDuringCommits(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	c := dbCluster(t, 3)
	leader := leaderOf(t, c, 0)
	victim := (leader + 1) % 3
	ws, stop := startStream(t, c, without(seq(3), victim))
	moreCommits(t, ws, 20)
	killNode(t, c, victim)
	moreCommits(t, ws, 20) // commits the victim misses
	start(t, c, victim)
	waitConverged(t, c, seq(3), allOK(3), 30*time.Second)
	moreCommits(t, ws, 20)
	stop()
	eventually(t, 10*time.Second, func() string { return identical(t, c, seq(3)) })
	checkAcked(t, c, seq(3), ws)
	if s, s2 := seqnumOf(t, c, victim), seqnumOf(t, c, leader); s != s2 {
		t.Fatalf("sequence numbers differ: node %d %s, leader %s", victim, s, s2)
	}
}

func TestPersistentDBLeaderKilledDuringCommit(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	c := dbCluster(t, 3)
	leader := leaderOf(t, c, 0)
	rest := without(seq(3), leader)
	ws, stop := startStream(t, c, rest)
	moreCommits(t, ws, 20)
	killNode(t, c, leader)
	moreCommits(t, ws, 20) // under the new leader
	stop()
	eventually(t, 10*time.Second, func() string { return identical(t, c, rest) })
	checkAcked(t, c, rest, ws)
	start(t, c, leader)
	waitConverged(t, c, seq(3), allOK(3), 30*time.Second)
	eventually(t, 10*time.Second, func() string { return identical(t, c, seq(3)) })
	checkAcked(t, c, seq(3), ws)
}

func TestPersistentDBCorruptFileRefusesStart(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	needTdbdump(t)
	c := cluster(t, localcluster.Options{Nodes: 1, Scripts: []string{}})
	dir := filepath.Join(c.VarDir(0), "persistent")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "secrets.tdb.0")
	if err := os.WriteFile(bad, []byte(strings.Repeat("not a tdb file ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	err := c.Start(0)
	if err == nil {
		t.Fatal("ctdbd started with a corrupt database file")
	}
	if !strings.Contains(err.Error()+c.Log(0), bad) {
		t.Fatalf("error does not name %s: %v\n%s", bad, err, c.Log(0))
	}
	b, _ := os.ReadFile(bad)
	if !strings.HasPrefix(string(b), "not a tdb file") {
		t.Fatal("the corrupt file was changed")
	}
}

func TestPersistentDBToolOutputsAndBadInput(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	needTdbdump(t)
	c := cluster(t, localcluster.Options{Nodes: 1, Scripts: []string{"00.ctdb"}})
	start(t, c, 0)
	waitRunning(t, c, 0)
	ctdb(t, c, 0, "attach", "t.tdb", "persistent")
	ctdb(t, c, 0, "attach", "r.tdb", "replicated")
	ctdb(t, c, 0, "attach", "v.tdb")
	path := filepath.Join(c.VarDir(0), "persistent", "t.tdb.0")
	if out := ctdb(t, c, 0, "-X", "getdbmap"); !strings.Contains(out, "|ID|Name|Path|Persistent|Sticky|Unhealthy|Readonly|Replicated|\n") ||
		!strings.Contains(out, fmt.Sprintf("|0x%08X|t.tdb|%s|1|0|0|0|0|\n", dbfmt.DBID("t.tdb"), path)) {
		t.Fatalf("getdbmap -X:\n%s", out)
	}
	out := ctdb(t, c, 0, "getdbmap")
	for _, want := range []string{"Number of databases:3\n", "name:t.tdb path:" + path + " PERSISTENT\n", " REPLICATED\n"} {
		if !strings.Contains(out, want) {
			t.Fatalf("getdbmap lacks %q:\n%s", want, out)
		}
	}
	if out := ctdb(t, c, 0, "getdbstatus", "t.tdb"); !strings.Contains(out, "name: t.tdb\npath: "+path+"\nPERSISTENT: yes\nREPLICATED: no\nSTICKY: no\nREADONLY: no\nHEALTH: OK\n") {
		t.Fatalf("getdbstatus:\n%s", out)
	}
	ctdb(t, c, 0, "pstore", "t.tdb", "k", "v")
	if s := strings.TrimSpace(ctdb(t, c, 0, "getdbseqnum", "t.tdb")); s != "0x1" {
		t.Fatalf("getdbseqnum %s", s)
	}
	// Bad input: clear errors, exit 1, nothing applied.
	for _, tc := range []struct {
		args  []string
		stdin string
		err   string
	}{
		{[]string{"pfetch", "nosuch.tdb", "k"}, "", "No database matching 'nosuch.tdb' found"},
		{[]string{"ptrans", "t.tdb"}, "\"a\" \"1\"\nb 2\n", "stdin:2:"},
		{[]string{"ptrans", "t.tdb"}, "\"a\" \"1\" \"x\"\n", "stdin:1:"},
		{[]string{"detach", "t.tdb"}, "", "cannot be detached"},
		{[]string{"restoredb", "/nonexistent.bak"}, "", "/nonexistent.bak"},
		{[]string{"tfetch", path, "nokey"}, "", "No record for key nokey"},
	} {
		cmd := exec.Command(filepath.Join(c.BinDir, "ctdb"), tc.args...)
		cmd.Env = c.Env(0)
		cmd.Stdin = strings.NewReader(tc.stdin)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), tc.err) {
			t.Errorf("ctdb %s: %v, output %q, want %q", strings.Join(tc.args, " "), err, out, tc.err)
		}
	}
	if out := ctdb(t, c, 0, "pfetch", "t.tdb", "a"); out != "\n" {
		t.Fatalf("a malformed ptrans applied its first line: %q", out)
	}
	if s := strings.TrimSpace(ctdb(t, c, 0, "getdbseqnum", "t.tdb")); s != "0x1" {
		t.Fatalf("sequence number moved by refused input: %s", s)
	}
	// tstore/tfetch on the local file, without going through the daemon.
	ctdb(t, c, 0, "tstore", path, "0x6869", "0x414243", "7", "3", "0x10")
	if out := ctdb(t, c, 0, "tfetch", path, "hi"); out != "dmaster: 3\nrsn: 7\nflags: 0x00000010\ndata(3) = \"ABC\"\n" {
		t.Fatalf("tfetch: %q", out)
	}
}

// Committed transactions survive kill -9 of every node (TDB's synced
// transactions), and the copies come back identical.
func TestPersistentDBSurvivesKillOfEveryNode(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	c := dbCluster(t, 3)
	ws, stop := startStream(t, c, seq(3))
	moreCommits(t, ws, 10)
	for i := 0; i < 3; i++ {
		killNode(t, c, i)
	}
	stop()
	startAll(t, c)
	waitConverged(t, c, seq(3), allOK(3), 30*time.Second)
	eventually(t, 10*time.Second, func() string { return identical(t, c, seq(3)) })
	checkAcked(t, c, seq(3), ws)
}
