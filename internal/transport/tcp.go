package transport

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/sirupsen/logrus"
)

// TCP is the node transport over TCP. Create it with NewTCP.
type TCP struct {
	cfg    TCPConfig // fixed after NewTCP, except what SetKeepalive changes
	myAddr netip.Addr
	log    *logrus.Entry
	ln     net.Listener
	recv   chan protocol.Frame
	events *eventQueue

	ctx       context.Context // cancelled by Close
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once

	kaInterval atomic.Int64 // time.Duration
	kaLimit    atomic.Int64
	kaChanged  chan struct{}
	stats      stats

	mu     sync.Mutex
	closed bool
	peers  map[uint32]*peer // active nodes other than us
	// versionLogged: version refusals already logged (logVersionRefusal).
	versionLogged map[string]bool
}

// peer is another active node of the nodes list.
type peer struct {
	node   Node
	conn   *conn              // nil while not connected
	ctx    context.Context    // cancelled when the peer is removed
	cancel context.CancelFunc // or the transport closed
}

var _ Transport = (*TCP)(nil)

// NewTCP listens on our node's address and starts connecting to the peers
// with a higher PNN.
func NewTCP(cfg TCPConfig) (*TCP, error) {
	cfg = cfg.withDefaults()
	myAddr, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(myAddr.String(), strconv.Itoa(cfg.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("transport: listen on %s: %w", addr, err)
	}
	t := &TCP{
		cfg:       cfg,
		myAddr:    myAddr,
		log:       cfg.Log,
		ln:        ln,
		recv:      make(chan protocol.Frame, cfg.QueueLength),
		events:    newEventQueue(),
		kaChanged: make(chan struct{}, 1),
		peers:     map[uint32]*peer{},
	}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.kaInterval.Store(int64(cfg.KeepaliveInterval))
	t.kaLimit.Store(int64(cfg.KeepaliveLimit))
	t.log.WithField("address", addr).Info("Listening for node connections")
	t.goRun(func() { t.events.run(t.ctx.Done()) })
	t.goRun(t.acceptLoop)
	t.goRun(t.keepaliveLoop)
	t.mu.Lock()
	t.setNodesLocked(cfg.Nodes)
	t.mu.Unlock()
	return t, nil
}

// goRun starts f as a goroutine that Close waits for.
func (t *TCP) goRun(f func()) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		f()
	}()
}

// Addr returns the listening address.
func (t *TCP) Addr() net.Addr { return t.ln.Addr() }

func (t *TCP) Recv() <-chan protocol.Frame { return t.recv }

func (t *TCP) Events() <-chan Event { return t.events.out }

func (t *TCP) Connected(pnn uint32) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.peers[pnn]
	return p != nil && p.conn != nil
}

// SetKeepalive changes the keepalive tunables; they apply from the next
// keepalive round. Zero or negative values are ignored.
func (t *TCP) SetKeepalive(interval time.Duration, limit int) {
	if interval > 0 {
		t.kaInterval.Store(int64(interval))
	}
	if limit > 0 {
		t.kaLimit.Store(int64(limit))
	}
	select {
	case t.kaChanged <- struct{}{}:
	default:
	}
}

func (t *TCP) keepalive() (interval time.Duration, limit int) {
	return time.Duration(t.kaInterval.Load()), int(t.kaLimit.Load())
}

// Close stops listening, drops every connection without emitting events,
// waits for all goroutines, then closes the Recv and Events channels.
func (t *TCP) Close() error {
	t.closeOnce.Do(func() {
		t.mu.Lock()
		t.closed = true
		for _, p := range t.peers {
			p.cancel()
			if p.conn != nil {
				p.conn.shutdown()
				p.conn = nil
			}
		}
		t.mu.Unlock()
		t.cancel()
		t.ln.Close()
		t.wg.Wait()
		close(t.recv)
	})
	return nil
}
