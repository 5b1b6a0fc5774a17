package probe

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"
)

// Outstanding describes the worker recorded in KEY.pid.
type Outstanding struct {
	Pid      int       `json:"pid"`
	Token    string    `json:"token"`
	Started  time.Time `json:"started"`
	Deadline time.Time `json:"deadline"` // when the starting caller gives up on it
}

func readOutstanding(path string) (*Outstanding, error) {
	var o Outstanding
	ok, err := readJSON(path, &o)
	if !ok || err != nil {
		return nil, err
	}
	return &o, nil
}

// newToken returns a random token that marks one worker run. It appears in
// the worker's argv, its result and the pid file.
func newToken() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// procCmdline reads /proc/PID/cmdline. A zombie or a dead pid yields an
// empty result. It is a variable so tests can check the guard's input.
var procCmdline = func(pid int) []byte {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return nil
	}
	return data
}

// isOurWorker reports whether pid is alive and is the worker run marked by
// token. Checking the argv rather than kill(pid, 0) guards against pid reuse.
func isOurWorker(pid int, token string) bool {
	if pid <= 0 || token == "" {
		return false
	}
	sawVerb, sawToken := false, false
	for _, arg := range bytes.Split(procCmdline(pid), []byte{0}) {
		switch string(arg) {
		case workerVerb:
			sawVerb = true
		case token:
			sawToken = true
		}
	}
	return sawVerb && sawToken
}
