package recoverd

import (
	"context"
	"sync"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// Ctdb is the recovery daemon's only way to the cluster: controls to its
// local ctdbd (protocol.PNNCurrent) or, through it, to any node, and the
// messages ctdbd forwards. *client.Client implements it; the driver's tests
// use a fake cluster behind it.
type Ctdb interface {
	// Call sends a control and decodes the reply into rep (a pointer, or
	// nil to discard).
	Call(ctx context.Context, dst uint32, op protocol.Op, req, rep any) error
	// CallFenced is Call carrying the leader's generation and epoch: the
	// node refuses it (StatusStaleGen) if it has seen newer ones.
	CallFenced(ctx context.Context, dst, generation, epoch uint32, op protocol.Op, req, rep any) error
	// Messages are the messages ctdbd forwards (after OpSubscribe).
	Messages() <-chan protocol.Frame
	// Done is closed when the connection to ctdbd is lost.
	Done() <-chan struct{}
}

// reply is one call's result in a fan-out.
type reply[R any] struct {
	val R
	err error
}

// fanOut calls call for every item concurrently, each under its own
// deadline of timeout, waits for all of them and returns their results in
// the order of items.
func fanOut[T, R any](items []T, timeout time.Duration, call func(ctx context.Context, item T) (R, error)) []reply[R] {
	out := make([]reply[R], len(items))
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			out[i].val, out[i].err = call(ctx, it)
		}()
	}
	wg.Wait()
	return out
}
