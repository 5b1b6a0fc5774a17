package clusterlock

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCheckHeldElsewhere(t *testing.T) {
	t.Parallel()
	file := lockFile(t)
	log, _ := testLog(t)
	checkArgv := helperArgv(t, file, "0", "0", "0")

	held, err := CheckHeldElsewhere(checkArgv, 5*time.Second, log)
	if held || err != nil {
		t.Fatalf("free lock: %v, %v; want false, nil", held, err)
	}
	// The check released what it took: a holder can take it now.
	holder, _ := newTestLocker(t, helperArgv(t, file, "0", "0", "0"))
	mustTryLock(t, holder, 5*time.Second, ResultLocked)

	held, err = CheckHeldElsewhere(checkArgv, 5*time.Second, log)
	if !held || err != nil {
		t.Fatalf("held lock: %v, %v; want true, nil", held, err)
	}
}

func TestCheckHeldElsewhereErrors(t *testing.T) {
	t.Parallel()
	dir := lockDir(t)
	log, _ := testLog(t)
	errArgv := []string{writeScript(t, dir, "h", "echo oops >&2\nprintf 3\n")}
	if held, err := CheckHeldElsewhere(errArgv, 5*time.Second, log); held || err == nil {
		t.Errorf("helper error: %v, %v; want false and an error", held, err)
	}
	tooLong := []string{writeScript(t, dir, "h", "printf 2\n")}
	if held, err := CheckHeldElsewhere(tooLong, 5*time.Second, log); held || err == nil {
		t.Errorf("helper timeout answer: %v, %v; want false and an error", held, err)
	}

	// No answer in time: an error, and repeated checks share one helper.
	slow := slowArgv(t, "1", filepath.Join(dir, "reclock"), "0", "0", "0")
	for i := 0; i < 3; i++ {
		held, err := CheckHeldElsewhere(slow, 100*time.Millisecond, log)
		if held || err == nil || !strings.Contains(err.Error(), "no answer within 100ms") {
			t.Fatalf("check %d: %v, %v; want a no-answer error", i, held, err)
		}
	}
	if n := len(processesOf(dir)); n != 1 {
		t.Errorf("%d check helpers running, want 1", n)
	}
	// The slow helper finally takes the lock for a waiting check: that
	// means nobody else holds it.
	if held, err := CheckHeldElsewhere(slow, 5*time.Second, log); held || err != nil {
		t.Errorf("late answer: %v, %v; want false, nil", held, err)
	}
}
