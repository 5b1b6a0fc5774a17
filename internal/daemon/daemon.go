// Package daemon is ctdbd: it owns the node's state, serves controls on the
// unix socket, runs the eventscripts for every event and the monitor event
// every MonitorInterval, and turns monitor results into the node's health.
//
// The daemon itself never touches the cluster filesystem: checks of it run
// in eventscripts through the isolated probe helper, so a hung filesystem
// can block a script (which the event runner times out and kills) but never
// a goroutine of the daemon.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ctdb-go/ctdb/internal/clock"
	"github.com/ctdb-go/ctdb/internal/clusterlock"
	"github.com/ctdb-go/ctdb/internal/config"
	"github.com/ctdb-go/ctdb/internal/ctrlsock"
	"github.com/ctdb-go/ctdb/internal/eventd"
	"github.com/ctdb-go/ctdb/internal/logging"
	"github.com/ctdb-go/ctdb/internal/nodestate"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/transport"
	"github.com/ctdb-go/ctdb/internal/tunables"
	"github.com/ctdb-go/ctdb/internal/version"
	"github.com/sirupsen/logrus"
)

// Version is reported by `ctdb version`.
var Version = version.Version

// Options are what ctdbd's main hands to the daemon.
type Options struct {
	Config *config.Config
	Logger *logging.Logger
	// HelperDir holds ctdb, ctdb_probe and the other helpers; it is put
	// first on the eventscripts' PATH and exported as CTDB_HELPER_BINDIR.
	HelperDir string
	// Path lists directories put first on the eventscripts' PATH.
	Path []string
	// LogLocation is where ctdbd logs (helpers log there too).
	LogLocation string
	// RecoverdLog is the log location for the recovery daemon ("" = the
	// configured one).
	RecoverdLog string
	// Ready is called once the control socket is up (or startup failed
	// before that), so a daemonizing parent can exit with the right status.
	Ready func(error)
	// Transport, if set, is the node transport to use instead of TCP to
	// the nodes file's addresses (tests: a transport.MemNetwork node).
	Transport transport.Transport
	// Clock drives the daemon's decisions (monitor schedule, release
	// bound, quorum, bans); nil is the system clock (tests:
	// clock.NewFake).
	Clock clock.Clock
}

// Daemon is one running ctdbd.
type Daemon struct {
	cfg    *config.Config
	logger *logging.Logger
	log    *logrus.Entry
	tun    *tunables.Set
	opts   Options

	runner *eventd.Runner
	srv    *ctrlsock.Server
	ln     net.Listener
	pid    *pidFile

	clk clock.Clock
	// lockPing is the cluster lock helper's ping timeout (the hold
	// bound's upper limit), fixed by the configuration.
	lockPing time.Duration
	mu       sync.Mutex
	st       nodeState
	cl       clusterState
	ip       ipState
	obs      observer
	// qkick wakes quorumLoop at once (kickQuorum); nil while the quorum
	// rule is off.
	qkick chan struct{}

	notifyCh          chan string // node-state events for the notification hook
	unmonitoredWarned time.Time   // last "monitor ran no script" warning
	tk                tickleState
	sc                scriptCmdState
	dbs               *dbState

	shutdownOnce sync.Once
	shutdownCh   chan struct{}
	shutdownWhy  string
}

// New checks what can be checked without side effects (the PNN) and builds
// the daemon.
func New(o Options) (*Daemon, error) {
	cfg := o.Config
	pnn, err := findPNN(cfg)
	if err != nil {
		return nil, err
	}
	d := &Daemon{
		cfg:        cfg,
		logger:     o.Logger,
		log:        o.Logger.WithField(logging.TagField, "ctdbd"),
		tun:        cfg.Tunables,
		opts:       o,
		clk:        o.Clock,
		lockPing:   clusterlock.SettingPingTimeout(cfg.Cluster.ClusterLock),
		shutdownCh: make(chan struct{}),
		notifyCh:   make(chan string, 16),
	}
	if d.clk == nil {
		d.clk = clock.Real()
	}
	d.initStats()
	now := d.clk.Now()
	d.st = nodeState{recmode: protocol.RecModeActive,
		started: now, recStart: now}
	var nodes []protocol.NodeInfo
	for _, n := range cfg.Nodes {
		// Not connected yet: CTDB's flags for a node it cannot reach.
		flags := protocol.FlagDisconnected | protocol.FlagUnhealthy
		if n.Deleted {
			flags = protocol.FlagDeleted | protocol.FlagDisconnected
		}
		if n.PNN == pnn {
			flags = 0
		}
		nodes = append(nodes, protocol.NodeInfo{PNN: n.PNN, Address: n.Addr.String(), Flags: flags})
	}
	d.st.State = *nodestate.New(pnn, nodes, d.quorumOn(), now)
	d.sc.leader.Store(cfg.Cluster.LeaderCapability)
	d.sc.lmaster.Store(true)
	if cfg.Legacy.StartAsDisabled {
		d.st.self().Flags |= protocol.FlagPermanentlyDisabled
	}
	if cfg.Legacy.StartAsStopped {
		d.st.self().Flags |= protocol.FlagStopped
	}
	return d, nil
}

// PNN returns this node's PNN.
func (d *Daemon) PNN() uint32 { return d.st.Self }

// Run runs the daemon until shutdown. It returns an error if startup failed
// (the init or setup event failed, the socket could not be created...).
func (d *Daemon) Run(ctx context.Context) (err error) {
	ready := d.opts.Ready
	if ready == nil {
		ready = func(error) {}
	}
	defer func() {
		if err != nil {
			ready(err)
		}
	}()
	if err := d.prepareDirs(); err != nil {
		return err
	}
	if d.pid, err = createPidFile(d.cfg.Paths.PidFile); err != nil {
		return err
	}
	defer d.pid.remove()
	d.logStart()
	obsCtx, obsCancel := context.WithCancel(context.Background())
	defer obsCancel()
	go d.watchdogLoop(obsCtx)
	defer d.sdNotify("STOPPING=1\nSTATUS=Shutting down")

	if d.runner, err = d.newRunner(); err != nil {
		return err
	}
	defer d.runner.Close()

	notifyCtx, stopNotify := context.WithCancel(context.Background())
	notifyDone := make(chan struct{})
	go d.notifyLoop(notifyCtx, notifyDone)
	defer func() { stopNotify(); <-notifyDone }()

	d.setRunstate(RunstateInit)
	d.sdStatus("Running the init event")
	d.notify("init")
	if err := d.mustEvent(ctx, "init"); err != nil {
		return err
	}
	if err := d.openDatabases(); err != nil {
		return err
	}
	defer d.closeDatabases()
	if err := d.listen(ctx); err != nil {
		return err
	}
	defer d.closeSocket()
	if err := d.serveMetrics(obsCtx); err != nil {
		return err
	}
	ready(nil)

	d.setRunstate(RunstateSetup)
	d.sdStatus("Running the setup event")
	if err := d.mustEvent(ctx, "setup"); err != nil {
		return err
	}
	d.notify("setup")

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-ctx.Done():
			d.Shutdown("signal received")
		case <-d.shutdownCh:
		}
		cancel()
	}()

	if err := d.startTransport(ctx); err != nil {
		return err
	}
	defer d.cl.tr.Close()
	go d.statsLoop(ctx)
	if err := d.startPublicIPs(ctx); err != nil {
		return err
	}
	defer d.ip.guard.close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.superviseRecoverd(ctx)
	}()

	d.setRunstate(RunstateFirstRecovery)
	d.waitFirstRecovery(ctx)
	d.waitStartup(ctx)

	if ctx.Err() == nil {
		d.setRunstate(RunstateRunning)
		d.sdStatus(d.runningStatus())
		d.sdNotify("READY=1")
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.monitorLoop(ctx)
		}()
	}
	<-d.shutdownCh
	cancel()
	wg.Wait()
	d.shutdownEvents()
	return nil
}

// Shutdown asks the daemon to stop; it returns at once.
func (d *Daemon) Shutdown(why string) {
	d.shutdownOnce.Do(func() {
		d.log.Infof("Shutdown requested: %s", why)
		d.shutdownWhy = why
		close(d.shutdownCh)
	})
}

func (d *Daemon) prepareDirs() error {
	for _, dir := range []string{d.cfg.Paths.RunDir, d.cfg.Paths.VarDir,
		filepath.Join(d.cfg.Paths.VarDir, "scripts"), filepath.Join(d.cfg.Paths.VarDir, "failcount")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create directory: %w", err)
		}
	}
	if err := prepareDatabaseDirs(d.cfg); err != nil {
		return err
	}
	return os.Chmod(d.cfg.Paths.RunDir, 0o700)
}

// prepareDatabaseDirs checks the [database] directories as CTDB does: one
// named in ctdb.conf must exist (checked again here, since it may have
// gone since the file was read); a default one under the state directory
// is created, as CTDB's package does at install.
func prepareDatabaseDirs(c *config.Config) error {
	for _, db := range c.DatabaseDirs() {
		if db.Configured {
			if fi, err := os.Stat(db.Path); err != nil || !fi.IsDir() {
				return fmt.Errorf("%s: [database] %s %s does not exist", c.ConfFile(), db.Key, db.Path)
			}
			continue
		}
		if err := os.MkdirAll(db.Path, 0o700); err != nil {
			return fmt.Errorf("create %s: %w", db.Key, err)
		}
	}
	return nil
}

func (d *Daemon) logStart() {
	d.log.Infof("CTDB starting on node %d (ctdbd version %s, pid %d)", d.st.Self, Version, os.Getpid())
	for _, w := range d.cfg.Warnings {
		d.log.Warning(w)
	}
	if d.cfg.Cluster.ClusterLock == "" {
		d.log.Warning("No cluster lock configured: leader election cannot prevent split brain")
	} else {
		d.log.Infof("Cluster lock is %s", d.cfg.Cluster.ClusterLock)
	}
}

func (d *Daemon) listen(ctx context.Context) error {
	ln, err := ctrlsock.Listen(d.cfg.Paths.Socket)
	if err != nil {
		return fmt.Errorf("control socket %s: %w", d.cfg.Paths.Socket, err)
	}
	d.ln = ln
	d.srv = &ctrlsock.Server{Handler: d.countClient, Log: d.log}
	go d.srv.Serve(ctx, ln)
	d.log.Infof("Listening on control socket %s", d.cfg.Paths.Socket)
	return nil
}

func (d *Daemon) closeSocket() {
	if d.ln != nil {
		d.ln.Close()
		os.Remove(d.cfg.Paths.Socket)
	}
}

func (d *Daemon) setRunstate(r Runstate) {
	d.mu.Lock()
	d.st.runstate = r
	d.mu.Unlock()
	d.log.Infof("Set runstate to %s (%d)", r, r)
	// The leader assigns addresses by runstate: tell it now, and the
	// local recovery daemon, rather than wait for a periodic check.
	d.stateChanged()
}

func (d *Daemon) runstate() Runstate {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st.runstate
}

// waitFirstRecovery waits until the leader's first recovery has given
// this node a valid generation and set recovery mode NORMAL.
func (d *Daemon) waitFirstRecovery(ctx context.Context) {
	for {
		d.mu.Lock()
		done := d.st.Generation != GenerationInvalid && d.st.recmode == protocol.RecModeNormal
		d.mu.Unlock()
		if done {
			d.log.Info("First recovery done")
			return
		}
		d.sdStatus(d.firstRecoveryStatus())
		select {
		case <-ctx.Done():
			return
		case <-d.clk.After(100 * time.Millisecond):
		}
	}
}

// waitStartup runs the startup event until it succeeds, every 5 s as CTDB.
func (d *Daemon) waitStartup(ctx context.Context) {
	d.setRunstate(RunstateStartup)
	d.sdStatus("Running the startup event")
	for ctx.Err() == nil {
		res, err := d.runEvent(ctx, "startup", nil, 0)
		if err == nil && res.Outcome == eventd.OutcomeOK {
			d.notify("startup")
			return
		}
		d.log.Warning("Startup event failed, retrying in 5 s")
		d.sdStatus("Startup event failed, retrying in 5 s")
		select {
		case <-ctx.Done():
		case <-d.clk.After(5 * time.Second):
		}
	}
}

// shutdownEvents releases the public addresses and runs the shutdown
// event, bounded by EventScriptTimeout.
func (d *Daemon) shutdownEvents() {
	d.setRunstate(RunstateShutdown)
	d.sdNotify("STOPPING=1\nSTATUS=Shutting down: releasing addresses, shutdown event")
	d.releaseAll(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), d.eventTimeout()+5*time.Second)
	defer cancel()
	d.runEvent(ctx, "shutdown", nil, 0)
	d.log.Info("Shutdown complete")
}

var errEventFailed = errors.New("event failed")
