package probe

import (
	"os"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/harness/poll"
)

// Environment variables that turn the test binary into a probe process.
const (
	envRole = "PROBE_TEST_ROLE" // "main": run Main (the ctdb_probe command)
	envGate = "PROBE_TEST_GATE" // workers wait until this file exists ("frozen FS")
)

// TestMain lets the test binary serve as ctdb_probe and as its worker, so the
// real re-exec path is exercised. A gated worker emulates a stat stuck on a
// hung filesystem: it does not answer until the test "thaws" it (or kills it).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == workerVerb {
		waitForGate(os.Getenv(envGate))
		os.Exit(RunWorker(os.Args[2:], os.Stderr))
	}
	if os.Getenv(envRole) == "main" {
		os.Exit(Main(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func waitForGate(gate string) {
	if gate == "" {
		return
	}
	poll.True(time.Minute, 5*time.Millisecond, func() bool {
		_, err := os.Stat(gate)
		return err == nil
	})
}
