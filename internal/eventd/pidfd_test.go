package eventd

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// zombie: pid has exited and is not reaped yet.
func zombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

// waitExitPolled waits while the child runs and returns once it has
// exited; Wait then reaps it at once.
func TestWaitExitPolled(t *testing.T) {
	p, err := os.StartProcess("/bin/sleep", []string{"sleep", "0.3"}, &os.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if !waitExitPolled(p.Pid) {
		t.Skip("no pidfd support: the caller falls back to a blocking wait")
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("returned after %v, before the child exited", d)
	}
	done := make(chan error, 1)
	go func() { _, err := p.Wait(); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait blocked after waitExitPolled said the child exited")
	}
	// An exited child that is not reaped yet (a zombie) is seen at once.
	q, err := os.StartProcess("/bin/true", []string{"true"}, &os.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); !zombie(q.Pid) && time.Now().Before(deadline); {
		runtime.Gosched()
	}
	if !zombie(q.Pid) {
		t.Fatal("the child did not exit")
	}
	if !waitExitPolled(q.Pid) {
		t.Error("an exited child was not seen")
	}
	q.Wait()
}
