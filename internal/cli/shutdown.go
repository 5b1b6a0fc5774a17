package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/ctdb-go/ctdb/internal/client"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// runShutdown: `ctdb shutdown`, silent on success. For the local node it
// returns, as CTDB does, only once the daemon has dropped the connection,
// so that `ctdb shutdown; ctdbd` restarts cleanly. A daemon that closes the
// connection instead of replying has shut down as asked.
func runShutdown(e *env, args []string) error {
	err := e.call(protocol.OpShutdown, nil, nil)
	if errors.Is(err, client.ErrClosed) {
		return nil
	}
	if err != nil {
		return failf("Unable to shutdown node %d: %v", e.cmdPNN, err)
	}
	if e.cmdPNN != e.pnn {
		return nil
	}
	return waitForDisconnect(e)
}

// waitForDisconnect pings the local daemon until the connection drops,
// bounded by the max runtime.
func waitForDisconnect(e *env) error {
	for {
		err := e.callLocal(protocol.OpPing, nil, nil)
		if errors.Is(err, client.ErrClosed) {
			return nil
		}
		select {
		case <-e.ctx.Done():
			return fmt.Errorf("ctdbd on node %d is still running: %w", e.pnn, e.ctx.Err())
		case <-time.After(e.poll):
		}
	}
}
