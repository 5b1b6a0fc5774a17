package clusterlock

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/harness/poll"
)

// Environment variables that turn the test binary into the processes under
// test. TestMain sets envRole=helper for its own children, so every process
// the tests start from this binary (and the re-check children those start
// via /proc/self/exe) runs HelperMain, the real helper code.
const envRole = "CLUSTERLOCK_TEST_ROLE" // "helper" or "middle"

// blockedName: while a file of this name exists next to the lock file,
// re-check children of the test helper wait (up to a minute), emulating
// open(2) stuck on a hung filesystem.
const blockedName = "recheck-blocked"

// slowVerb makes a helper sleep before it starts: "slow-helper SECONDS
// FILE [...]". It emulates a helper that takes long to answer.
const slowVerb = "slow-helper"

func TestMain(m *testing.M) {
	switch os.Getenv(envRole) {
	case "helper":
		os.Exit(testHelperMain(os.Args[1:]))
	case "middle":
		os.Exit(runMiddle(os.Args[1:]))
	}
	os.Setenv(envRole, "helper")
	// Under -race, every child would otherwise sleep 1 s before exiting,
	// making re-checks miss their deadlines.
	os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	os.Exit(m.Run())
}

func testHelperMain(args []string) int {
	if len(args) > 1 && args[0] == RecheckVerb {
		// Each re-check waits while the blocked file exists: a hung
		// cluster filesystem.
		file, id, err := parseRecheckArgs(args[1:])
		if err != nil {
			fmt.Fprintln(os.Stdout, err)
			return recheckUsage
		}
		blocked := filepath.Join(filepath.Dir(file), blockedName)
		return recheckLoop(os.Stdin, os.Stdout, func() string {
			waitWhileExists(blocked, time.Minute)
			return recheckFile(file, id)
		})
	}
	if len(args) > 1 && args[0] == slowVerb {
		d, err := parseSeconds(args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		time.Sleep(d) // Deliberate pause: the "slow" helper answers late, which is what the tests of slow helpers need
		args = args[2:]
	}
	return HelperMain(args)
}

// runMiddle stands between a test and a helper: "PIDFILE HELPER_ARGS...".
// It starts the helper with its own stdio (so the test reads the helper's
// answer and holds its stdin), records the helper's pid and sleeps until
// the test kills it.
func runMiddle(args []string) int {
	exe, err := os.Executable()
	if err != nil || len(args) < 2 {
		fmt.Fprintln(os.Stderr, "middle: usage: PIDFILE HELPER_ARGS...", err)
		return 3
	}
	cmd := exec.Command(exe, args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), envRole+"=helper")
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "middle:", err)
		return 3
	}
	if err := os.WriteFile(args[0], fmt.Appendf(nil, "%d", cmd.Process.Pid), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "middle:", err)
		return 3
	}
	select {} // lives until the test kills it
}

func waitWhileExists(path string, max time.Duration) {
	poll.True(max, 5*time.Millisecond, func() bool {
		_, err := os.Stat(path)
		return err != nil
	})
}
