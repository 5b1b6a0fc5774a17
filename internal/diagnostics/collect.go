package diagnostics

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ctdb-go/ctdb/internal/onnode"
)

// Remote runs a shell command on a node (onnode.Remote in the tool).
type Remote interface {
	Output(ctx context.Context, t onnode.Target, cmd string) (stdout, stderr []byte, err error)
}

// nodeResult is what one node gave.
type nodeResult struct {
	target onnode.Target
	err    error // the node could not be reached or answered nothing
	items  map[string]item
	skew   time.Duration // node clock minus ours, when known
	hasClk bool
}

func newMarker() string {
	var b [8]byte
	rand.Read(b[:])
	return "CTDBDIAG-" + hex.EncodeToString(b[:])
}

// collect runs the collection script on every target at once, each with its
// own timeout, and returns the results in target order.
func collect(ctx context.Context, r Remote, targets []onnode.Target, noADS bool, timeout time.Duration, now func() time.Time) []nodeResult {
	marker := newMarker()
	script := remoteScript(marker, noADS)
	res := make([]nodeResult, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			out, stderr, err := r.Output(cctx, t, script)
			nr := nodeResult{target: t, items: parseSections(out, marker)}
			if len(nr.items) == 0 {
				if err == nil {
					err = errors.New("no answer")
				}
				if cctx.Err() != nil {
					err = fmt.Errorf("timed out after %v", timeout)
				}
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					err = fmt.Errorf("%v: %s", err, strings.TrimSpace(string(stderr)))
				}
				nr.err = err
			}
			if clk, ok := nr.items["cmd:clock"]; ok && clk.exit == 0 {
				if s, err := strconv.ParseInt(strings.TrimSpace(string(clk.data)), 10, 64); err == nil {
					nr.skew = time.Unix(s, 0).Sub(now().Truncate(time.Second))
					nr.hasClk = true
				}
			}
			res[i] = nr
		}()
	}
	wg.Wait()
	return res
}
