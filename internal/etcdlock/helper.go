// Package etcdlock is the ctdb_etcd_lock cluster lock helper: it holds the
// cluster lock as a key under an etcd v3 lease (concurrency.Mutex on a
// concurrency.Session), speaking the cluster mutex helper protocol of
// internal/clusterlock. After its '0' it writes the fencing token, the
// lock key's revision, which grows with every new holder.
//
// The helper keeps its own account of the lease (Liveness): it sends
// keep-alives itself, each with a deadline, through a client that spreads
// requests over all members, and lets go once its newest successful
// keep-alive is older than a fraction of the TTL. So a holder cut off from
// etcd always stops before etcd expires its lease and lets another node
// take the lock.
package etcdlock

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/ctdb-go/ctdb/internal/clusterlock"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	"go.uber.org/zap"
	"google.golang.org/grpc/grpclog"
)

func init() {
	// The gRPC library's own chatter would reach the parent's log as
	// errors; the helper says what matters itself.
	grpclog.SetLoggerV2(grpclog.NewLoggerV2(discard{}, discard{}, discard{}))
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Main is the ctdb_etcd_lock command; it returns the exit code.
func Main(args []string) int {
	env, err := clusterlock.StartHelperEnv(Name)
	if err != nil {
		return env.Answer(clusterlock.ResultError, err)
	}
	cfg, err := ParseArgs(args)
	if err != nil {
		return env.Answer(clusterlock.ResultError, err)
	}
	cli, err := newClient(cfg)
	if err != nil {
		return env.Answer(clusterlock.ResultError, err)
	}
	defer cli.Close()
	h, res, err := take(cli, cfg)
	if res != clusterlock.ResultLocked {
		code := env.Answer(res, err)
		if h != nil { // a lease that may hold a key: see release
			h.revokeUntil(time.Now().Add(2 * cfg.TTL))
		}
		return code
	}
	if err := env.Locked(h.token); err != nil {
		return h.release(env, "cannot report the lock to the parent: "+err.Error())
	}
	ctx, cancel := context.WithCancel(context.Background())
	lost := h.keepAlive(ctx)
	reason := env.Hold(cfg.PingTimeout, lost)
	cancel()
	return h.release(env, reason)
}

// newClient builds the etcd client: every member as an endpoint (requests
// go round-robin to the members that answer), gRPC keep-alives that find a
// dead connection within the request timeout, and no logging of its own.
func newClient(cfg Config) (*clientv3.Client, error) {
	var tlsCfg *tls.Config
	if cfg.CACert != "" || cfg.Cert != "" {
		info := transport.TLSInfo{TrustedCAFile: cfg.CACert, CertFile: cfg.Cert, KeyFile: cfg.Key}
		var err error
		if tlsCfg, err = info.ClientConfig(); err != nil {
			return nil, fmt.Errorf("TLS set-up: %w", err)
		}
	}
	rt := cfg.RequestTimeout()
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:            cfg.Endpoints,
		TLS:                  tlsCfg,
		DialTimeout:          rt,
		DialKeepAliveTime:    rt,
		DialKeepAliveTimeout: rt,
		Logger:               zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("cannot connect to etcd at %v: %w", cfg.Endpoints, err)
	}
	return cli, nil
}

// held is a lock taken.
type held struct {
	cfg   Config
	cli   *clientv3.Client
	lease clientv3.LeaseID
	live  *Liveness
	token int64
	stop  context.CancelFunc // ends the session's keep-alive
}

// take grants a lease and tries the mutex once: ResultLocked with the
// holder, ResultContended, ResultTimeout when etcd did not answer in time,
// or ResultError.
func take(cli *clientv3.Client, cfg Config) (*held, clusterlock.Result, error) {
	sent := time.Now()
	ctx, cancel := context.WithTimeout(clientv3.WithRequireLeader(context.Background()), cfg.RequestTimeout())
	defer cancel()
	g, err := cli.Grant(ctx, int64(cfg.TTL/time.Second))
	if err != nil {
		return nil, failure(err), fmt.Errorf("lease grant at %v: %w", cfg.Endpoints, err)
	}
	h := &held{cfg: cfg, cli: cli, lease: g.ID, live: NewLiveness(cfg.GiveUpAfter(), sent)}
	if g.TTL < int64(cfg.TTL/time.Second) {
		h.revoke()
		return nil, clusterlock.ResultError, fmt.Errorf("etcd granted a %d s lease, want %v", g.TTL, cfg.TTL)
	}
	// The session's own keep-alive runs too; it can only make the lease
	// live longer than the helper believes, never shorter.
	sctx, scancel := context.WithCancel(context.Background())
	s, err := concurrency.NewSession(cli, concurrency.WithLease(g.ID), concurrency.WithContext(sctx))
	if err != nil {
		scancel()
		h.revoke()
		return nil, failure(err), fmt.Errorf("session: %w", err)
	}
	h.stop = scancel
	m := concurrency.NewMutex(s, cfg.LockPrefix())
	if err := m.TryLock(ctx); err != nil {
		scancel()
		if errors.Is(err, concurrency.ErrLocked) {
			h.revoke()
			return nil, clusterlock.ResultContended, nil
		}
		// The put may have been applied after the deadline: the caller
		// revokes the lease, retrying, once it has answered.
		return h, failure(err), fmt.Errorf("lock %s: %w", cfg.LockPrefix(), err)
	}
	h.token = m.Header().Revision
	if h.live.Lapsed(time.Now()) {
		scancel()
		h.revoke()
		return nil, clusterlock.ResultTimeout, errors.New("lock taken too late to be trusted")
	}
	return h, clusterlock.ResultLocked, nil
}

// failure maps an etcd error to the protocol's answer: no answer in time
// is '2', anything else '3'.
func failure(err error) clusterlock.Result {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, rpctypes.ErrNoLeader) ||
		errors.Is(err, rpctypes.ErrGRPCNoLeader) || errors.Is(err, rpctypes.ErrTimeout) {
		return clusterlock.ResultTimeout
	}
	return clusterlock.ResultError
}

// keepAliveResult is the outcome of one keep-alive sent at sent.
type keepAliveResult struct {
	sent time.Time
	ttl  int64
	err  error
}

// keepAlive renews the lease every KeepAliveInterval, each request with
// its own deadline and not waiting for the previous one, and yields the
// reason once the lock must be given up: the lease is gone, or no
// keep-alive has succeeded for GiveUpAfter.
func (h *held) keepAlive(ctx context.Context) <-chan string {
	lost := make(chan string, 1)
	results := make(chan keepAliveResult, 16)
	send := func() {
		sent := time.Now()
		go func() {
			rctx, cancel := context.WithTimeout(clientv3.WithRequireLeader(ctx), h.cfg.RequestTimeout())
			defer cancel()
			r, err := h.cli.KeepAliveOnce(rctx, h.lease)
			res := keepAliveResult{sent: sent, err: err}
			if r != nil {
				res.ttl = r.TTL
			}
			select {
			case results <- res:
			case <-ctx.Done():
			}
		}()
	}
	go func() {
		tick := time.NewTicker(h.cfg.KeepAliveInterval())
		defer tick.Stop()
		deadline := time.NewTimer(time.Until(h.live.Deadline()))
		defer deadline.Stop()
		failing := false
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				send()
			case r := <-results:
				switch {
				case errors.Is(r.err, rpctypes.ErrLeaseNotFound) || (r.err == nil && r.ttl <= 0):
					lost <- fmt.Sprintf("lock lost - lease %x expired at etcd", int64(h.lease))
					return
				case r.err != nil:
					if !failing {
						fmt.Fprintf(os.Stderr, "%s: keep-alive of lease %x failed: %v\n", Name, int64(h.lease), r.err)
					}
					failing = true
				default:
					failing = false
					h.live.OK(r.sent)
					deadline.Reset(time.Until(h.live.Deadline()))
				}
			case <-deadline.C:
				if !h.live.Lapsed(time.Now()) { // a renewal raced the timer
					deadline.Reset(time.Until(h.live.Deadline()))
					continue
				}
				lost <- fmt.Sprintf("lock lost - no keep-alive of lease %x succeeded for %v (give-up after %v of a %v lease): releasing lock",
					int64(h.lease), time.Since(h.live.Last()).Round(time.Millisecond), h.cfg.GiveUpAfter(), h.cfg.TTL)
				return
			}
		}
	}()
	return lost
}

// release tells the parent first (stdout EOF), then revokes the lease so
// the next holder need not wait for the TTL. A revoke that cannot reach
// etcd does not matter: the lease then expires.
func (h *held) release(env *clusterlock.HelperEnv, reason string) int {
	env.CloseStdout(reason)
	h.stop()
	h.revokeUntil(time.Now().Add(2 * h.cfg.TTL))
	if reason != "" {
		return 1
	}
	return 0
}

// revokeUntil retries the revoke until it succeeds or until deadline: a
// holder that let go because etcd had no quorum cannot revoke at once,
// and etcd's next leader extends every lease by its TTL when it takes
// over, so an unrevoked key would keep the lock from everyone for a TTL
// after etcd is back. The parent already knows the lock is gone (stdout
// is closed); only this node's next attempt waits for the process.
func (h *held) revokeUntil(deadline time.Time) {
	for {
		err := h.revoke()
		if err == nil || errors.Is(err, rpctypes.ErrLeaseNotFound) || !time.Now().Before(deadline) {
			return
		}
		time.Sleep(h.cfg.KeepAliveInterval()) // pacing between attempts
	}
}

func (h *held) revoke() error {
	ctx, cancel := context.WithTimeout(context.Background(), h.cfg.RequestTimeout())
	defer cancel()
	_, err := h.cli.Revoke(ctx, h.lease)
	return err
}
