package suite

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ctdb-go/ctdb/tests/bench/system"
	"github.com/ctdb-go/ctdb/tests/harness/poll"
)

// Persistent databases: commit latency and throughput of `ctdb ptrans`,
// and the recovery of a large database after a node rejoins.
const (
	pdbName      = "bench.tdb"
	pdbSeqCalls  = 100 // ptrans in a row from node 0, per repetition
	pdbParCalls  = 40  // ptrans per node, all three nodes at once
	pdbFillChunk = 1000
	// pdbValue: CTDB 4.17's ptrans reads lines of at most about 1 KiB.
	pdbValue = 900
)

func pdbFillMB(e *Env) int {
	if e.Smoke {
		return 5
	}
	return 100
}

func persistentDB() Scenario {
	return Scenario{
		Name: "persistent-db",
		About: fmt.Sprintf("3 nodes on loopback, settled; `ctdb attach %s persistent`. Per repetition: %d `ctdb ptrans` of one "+
			"record in a row from node 0 (wall time of the system's own tool: p50, p99), then %d ptrans from each node at once "+
			"(commits per second). Then the database is filled to the size shown (ptrans of %d records of %d bytes), and per "+
			"repetition node 2 is killed with SIGKILL, one more commit is made, node 2 is started: the time from its start "+
			"command until its sequence number equals node 0's.", pdbName, pdbSeqCalls, pdbParCalls, pdbFillChunk, pdbValue),
		Metrics: func(e *Env) []Metric {
			return []Metric{{Name: "ptrans commit p50", Unit: "ms", Target: targetNoSlower}, {Name: "ptrans commit p99", Unit: "ms"},
				{Name: "commits per second, 3 nodes", Unit: "/s"},
				{Name: fmt.Sprintf("rejoin recovery, %d MB database", pdbFillMB(e)), Unit: "s", Target: targetNoSlower}}
		},
		Run: runPersistentDB,
	}
}

// pdbFile writes a ptrans input file in dir.
func pdbFile(dir, name string, lines []string) (string, error) {
	p := filepath.Join(dir, name)
	return p, os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

func runPersistentDB(e *Env, sys system.System, r *Rec) error {
	c, stop, err := newConverged(e, sys, "pdb", 3)
	if err != nil {
		return err
	}
	defer stop()
	if _, _, err := c.ctdb(0, statusTimeout, "attach", pdbName, "persistent"); err != nil {
		return err
	}
	one, err := pdbFile(c.base, "one.txt", []string{`"key" "value"`})
	if err != nil {
		return err
	}
	for rep := 0; rep < e.Reps; rep++ {
		var ms []float64
		for i := 0; i < pdbSeqCalls; i++ {
			t := time.Now()
			if _, _, err := c.ctdb(0, 30*time.Second, "ptrans", pdbName, one); err != nil {
				return fmt.Errorf("repetition %d: %w", rep+1, err)
			}
			ms = append(ms, millis(time.Since(t)))
		}
		r.Add("ptrans commit p50", percentile(ms, 0.50))
		r.Add("ptrans commit p99", percentile(ms, 0.99))
		t0 := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, 3)
		for n := 0; n < 3; n++ {
			wg.Add(1)
			go func(n int) {
				defer wg.Done()
				for i := 0; i < pdbParCalls; i++ {
					if _, _, err := c.ctdb(n, 60*time.Second, "ptrans", pdbName, one); err != nil {
						errs <- err
						return
					}
				}
			}(n)
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return fmt.Errorf("repetition %d: %w", rep+1, err)
		}
		r.Add("commits per second, 3 nodes", float64(3*pdbParCalls)/time.Since(t0).Seconds())
	}
	return pdbRejoin(e, c, r)
}

func pdbRejoin(e *Env, c *clu, r *Rec) error {
	metric := fmt.Sprintf("rejoin recovery, %d MB database", pdbFillMB(e))
	val := strings.Repeat("v", pdbValue)
	chunks := pdbFillMB(e) * (1 << 20) / (pdbFillChunk * pdbValue)
	for ch := 0; ch < chunks; ch++ {
		lines := make([]string, pdbFillChunk)
		for i := range lines {
			lines[i] = fmt.Sprintf(`"fill-%05d-%04d" "%s"`, ch, i, val)
		}
		f, err := pdbFile(c.base, "fill.txt", lines)
		if err != nil {
			return err
		}
		if _, _, err := c.ctdb(0, 120*time.Second, "ptrans", pdbName, f); err != nil {
			return fmt.Errorf("filling the database: %w", err)
		}
	}
	one, err := pdbFile(c.base, "rejoin.txt", []string{`"rejoin" "x"`})
	if err != nil {
		return err
	}
	for rep := 0; rep < e.Reps; rep++ {
		if err := c.Kill(2, syscall.SIGKILL); err != nil {
			return err
		}
		if _, err := c.waitConverged([]int{0, 1}, map[int]func(string) bool{0: isOK, 1: isOK, 2: isDisconnected}, recoverTimeout); err != nil {
			return fmt.Errorf("repetition %d: node 2 killed: %w", rep+1, err)
		}
		if _, _, err := c.ctdb(0, 60*time.Second, "ptrans", pdbName, one); err != nil {
			return fmt.Errorf("repetition %d: commit without node 2: %w", rep+1, err)
		}
		want, _, err := c.ctdb(0, statusTimeout, "getdbseqnum", pdbName)
		if err != nil {
			return err
		}
		// A SIGKILLed CTDB leaves its event daemon for a few seconds, and
		// a new ctdbd cannot start its own meanwhile: Stop sweeps the
		// node's leftovers (not timed).
		if err := c.Stop(2); err != nil {
			return fmt.Errorf("repetition %d: sweep node 2: %w", rep+1, err)
		}
		t0 := time.Now()
		if err := c.Start(2); err != nil {
			return fmt.Errorf("repetition %d: restart node 2: %w", rep+1, err)
		}
		var got string
		if poll.Until(time.Until(t0.Add(5*time.Minute)), 20*time.Millisecond, func() string {
			var err error
			if got, _, err = c.ctdb(2, statusTimeout, "getdbseqnum", pdbName); err == nil && got == want {
				return ""
			}
			return "behind"
		}) != nil {
			r.Never(metric, 300)
			return fmt.Errorf("repetition %d: node 2 at %q, want %q after 5 min", rep+1, strings.TrimSpace(got), strings.TrimSpace(want))
		}
		r.Add(metric, seconds(time.Since(t0)))
		if _, err := c.waitConverged(seq(3), allOK(seq(3)), startTimeout); err != nil {
			return err
		}
	}
	return nil
}
