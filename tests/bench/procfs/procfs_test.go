package procfs

import (
	"os"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	s := "4242 (ctdb (x) d) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 1 0 10 100 10"
	st, err := ParseStat(4242, s)
	if err != nil {
		t.Fatal(err)
	}
	if st.Comm != "ctdb (x) d" || st.State != 'S' || st.PPID != 1 || st.CPU != 175*ClockTick {
		t.Errorf("parsed %+v", st)
	}
	for _, bad := range []string{"", "1 (x S 1", "1 (x) S 1 2 3", "1 (x) S one 1 1 0 -1 0 0 0 0 0 1 1"} {
		if _, err := ParseStat(1, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseRSS(t *testing.T) {
	n, err := ParseRSS(1, "Name:\tx\nVmRSS:\t  2048 kB\nThreads: 1\n")
	if err != nil || n != 2048*1024 {
		t.Errorf("got %d, %v", n, err)
	}
	if n, err := ParseRSS(1, "Name:\tzombie\n"); err != nil || n != 0 {
		t.Errorf("no VmRSS: %d, %v", n, err)
	}
	if _, err := ParseRSS(1, "VmRSS: lots\n"); err == nil {
		t.Error("bad VmRSS accepted")
	}
}

func TestParseSumExecRuntime(t *testing.T) {
	d, ok := ParseSumExecRuntime("cat (1, #threads: 1)\n---\nse.exec_start : 1.5\nse.sum_exec_runtime   :   12.500000\n")
	if !ok || d != 12500*time.Microsecond {
		t.Errorf("got %v %v", d, ok)
	}
	if _, ok := ParseSumExecRuntime("se.vruntime : 3\n"); ok {
		t.Error("missing field accepted")
	}
}

// The own process: alive, with CPU time that grows when it works, and a
// resident size.
func TestSelf(t *testing.T) {
	me := os.Getpid()
	if !Alive(me) {
		t.Fatal("self not alive")
	}
	before, err := ProcessCPU(me)
	if err != nil {
		t.Fatal(err)
	}
	// Spin until 50 ms of CPU are counted: on a loaded machine 100 ms of
	// wall time may hold far less CPU time; 10 s bound the wait.
	var after time.Duration
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if after, _ = ProcessCPU(me); after-before >= 50*time.Millisecond {
			break
		}
	}
	if after-before < 50*time.Millisecond {
		t.Errorf("10 s of spinning counted as %v (%s)", after-before, CPUSource())
	}
	if rss, err := RSS(me); err != nil || rss <= 0 {
		t.Errorf("RSS %d, %v", rss, err)
	}
	if len(Cmdline(me)) == 0 || len(Environ(me)) == 0 {
		t.Error("no cmdline or environ for self")
	}
	if Alive(1 << 30) {
		t.Error("impossible pid alive")
	}
}

func TestDescendants(t *testing.T) {
	tab := Table{2: {PID: 2, PPID: 1}, 3: {PID: 3, PPID: 2}, 4: {PID: 4, PPID: 3}, 5: {PID: 5, PPID: 1}}
	got := map[int]bool{}
	for _, p := range tab.Descendants(2) {
		got[p] = true
	}
	if len(got) != 2 || !got[3] || !got[4] {
		t.Errorf("descendants of 2: %v", got)
	}
}
