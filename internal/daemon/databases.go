package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ctdb-go/ctdb/internal/dbfmt"
	"github.com/ctdb-go/ctdb/internal/dbstore"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/stats"
)

// dbState is the daemon's part of the databases: the store and the
// coordinator's per-database locks (held by the leader while it runs a
// transaction, so transactions from all nodes are serialized).
type dbState struct {
	store *dbstore.Store
	txid  atomic.Uint64
	mu    sync.Mutex
	locks map[uint32]*sync.Mutex
}

var dbControls = map[protocol.Op]handlerFunc{
	protocol.OpDBAttach:       (*Daemon).ctlDBAttach,
	protocol.OpDBAttachLocal:  (*Daemon).ctlDBAttachLocal,
	protocol.OpDBDetach:       (*Daemon).ctlDBDetach,
	protocol.OpDBDetachLocal:  (*Daemon).ctlDBDetachLocal,
	protocol.OpGetDBMap:       (*Daemon).ctlGetDBMap,
	protocol.OpGetDBSeqnum:    (*Daemon).ctlGetDBSeqnum,
	protocol.OpDBFetch:        (*Daemon).ctlDBFetch,
	protocol.OpDBPull:         (*Daemon).ctlDBPull,
	protocol.OpDBTrans:        (*Daemon).ctlDBTrans,
	protocol.OpDBTransCoord:   (*Daemon).ctlDBTransCoord,
	protocol.OpDBTransPrepare: (*Daemon).ctlDBPrepare,
	protocol.OpDBTransCommit:  (*Daemon).ctlDBCommit,
	protocol.OpDBTransCancel:  (*Daemon).ctlDBCancel,
}

func init() {
	for op, fn := range dbControls {
		controls[op] = fn
	}
	fenced[protocol.OpDBSync] = true
	controls[protocol.OpDBSync] = (*Daemon).ctlDBSync
}

// forwardTimeoutOf bounds a forwarded control: database pushes and
// transactions may write a whole database.
func forwardTimeoutOf(op protocol.Op) time.Duration {
	switch op {
	case protocol.OpDBPull:
		return 2 * time.Minute
	case protocol.OpDBSync:
		return 10 * time.Minute
	case protocol.OpDBTransCoord, protocol.OpDBTransPrepare, protocol.OpDBTrans:
		return 30 * time.Second
	}
	return forwardTimeout
}

// openDatabases opens the store: every persistent database of this node
// is attached, and a corrupt file stops the daemon with its name.
func (d *Daemon) openDatabases() error {
	vol, per, state := d.cfg.DatabasePaths()
	s, err := dbstore.Open(d.st.Self, dbstore.Dirs{Volatile: vol, Persistent: per, State: state}, d.log.Infof)
	if err != nil {
		return err
	}
	s.SetWriteHook(func(took time.Duration) {
		d.obs.reg.Add(stats.ChildwriteCalls, 1)
		d.obs.reg.ObserveLatency(stats.LatencyChildwrite, took)
	})
	d.dbs = &dbState{store: s, locks: map[uint32]*sync.Mutex{}}
	return nil
}

func (d *Daemon) closeDatabases() {
	if d.dbs != nil {
		d.dbs.store.Close()
	}
}

// dbRecoveryStarted cancels every prepared transaction: from now on the
// recovery decides which copy wins.
func (d *Daemon) dbRecoveryStarted() {
	if d.dbs == nil {
		return
	}
	for _, info := range d.dbs.store.List() {
		if db, err := d.dbs.store.Find(protocol.DBRef{ID: info.ID}); err == nil && db.CancelPending() {
			d.log.Infof("Recovery started: cancelled the pending transaction on %s", info.Name)
		}
	}
}

func (d *Daemon) findDB(ref protocol.DBRef) (*dbstore.DB, error) {
	if d.dbs == nil {
		return nil, protocol.Errorf(protocol.StatusInRecovery, "databases are not open yet")
	}
	db, err := d.dbs.store.Find(ref)
	if err != nil {
		if ref.Name != "" {
			return nil, protocol.Errorf(protocol.StatusNotFound, "No database matching '%s' found", ref.Name)
		}
		return nil, protocol.Errorf(protocol.StatusNotFound, "No database matching '0x%08x' found", ref.ID)
	}
	return db, nil
}

// callNode runs a control on node pnn (this node directly) and decodes
// its reply into rep (may be nil).
func (d *Daemon) callNode(ctx context.Context, pnn, gen uint32, op protocol.Op, req, rep any) error {
	h := protocol.Header{Kind: protocol.KindRequest, Op: op, SrcPNN: d.st.Self, DstPNN: pnn, Generation: gen}
	var res any
	var err error
	if pnn == d.st.Self {
		res, err = controls[op](d, ctx, h, req)
	} else {
		ctx, stop := d.untilDisconnected(ctx, pnn)
		res, err = d.forward(ctx, h, req)
		if stop() {
			err = protocol.Errorf(protocol.StatusUnreachable, "node %d disconnected during %s", pnn, op)
		}
	}
	if err != nil || rep == nil || res == nil {
		return err
	}
	if raw, ok := res.(json.RawMessage); ok {
		return json.Unmarshal(raw, rep)
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, rep)
}

// untilDisconnected returns a context that ends when node pnn
// disconnects, so a call to a node that dies (kill -9) fails at once
// instead of waiting out its timeout; stop ends the watch and tells
// whether the node disconnected.
func (d *Daemon) untilDisconnected(ctx context.Context, pnn uint32) (context.Context, func() bool) {
	ctx, cancel := context.WithCancel(ctx)
	var gone atomic.Bool
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if d.cl.tr != nil && !d.cl.tr.Connected(pnn) {
					gone.Store(true)
					cancel()
					return
				}
			}
		}
	}()
	return ctx, func() bool { close(done); cancel(); return gone.Load() }
}

// activeNodes are the nodes that take part in transactions.
func (d *Daemon) activeNodes() []uint32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []uint32
	for _, n := range d.st.Nodes {
		if n.Flags&protocol.FlagInactive == 0 {
			out = append(out, n.PNN)
		}
	}
	return out
}

func (d *Daemon) recState() (recmode int32, gen, leader uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st.recmode, d.st.Generation, d.st.Leader
}

func (d *Daemon) ctlDBAttach(ctx context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.DBAttach)
	info, err := d.ctlDBAttachLocal(ctx, protocol.Header{}, r)
	if err != nil {
		return nil, err
	}
	for _, pnn := range d.activeNodes() {
		if pnn == d.st.Self {
			continue
		}
		if err := d.callNode(ctx, pnn, 0, protocol.OpDBAttachLocal, r, nil); err != nil {
			return nil, protocol.Errorf(protocol.StatusError, "attach %s on node %d: %v", r.Name, pnn, err)
		}
	}
	return info, nil
}

func (d *Daemon) ctlDBAttachLocal(_ context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.DBAttach)
	if d.dbs == nil {
		return nil, protocol.Errorf(protocol.StatusInRecovery, "databases are not open yet")
	}
	info, err := d.dbs.store.Attach(r.Name, r.Flags)
	if err != nil {
		return nil, protocol.Errorf(protocol.StatusError, "%v", err)
	}
	return info, nil
}

func (d *Daemon) ctlDBDetach(ctx context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.DBRef)
	db, err := d.findDB(*r)
	if err != nil {
		return nil, err
	}
	ref := protocol.DBRef{ID: db.Info().ID}
	if _, err := d.ctlDBDetachLocal(ctx, protocol.Header{}, &ref); err != nil {
		return nil, err
	}
	for _, pnn := range d.activeNodes() {
		if pnn != d.st.Self {
			if err := d.callNode(ctx, pnn, 0, protocol.OpDBDetachLocal, &ref, nil); err != nil &&
				protocol.StatusOf(err) != protocol.StatusNotFound {
				return nil, err
			}
		}
	}
	return nil, nil
}

func (d *Daemon) ctlDBDetachLocal(_ context.Context, _ protocol.Header, req any) (any, error) {
	db, err := d.findDB(*req.(*protocol.DBRef))
	if err != nil {
		return nil, err
	}
	if err := d.dbs.store.Detach(protocol.DBRef{ID: db.Info().ID}); err != nil {
		if errors.Is(err, dbstore.ErrPersistent) {
			return nil, protocol.Errorf(protocol.StatusNotPermitted, "Persistent database %s cannot be detached", db.Info().Name)
		}
		return nil, protocol.Errorf(protocol.StatusError, "%v", err)
	}
	return nil, nil
}

func (d *Daemon) ctlGetDBMap(context.Context, protocol.Header, any) (any, error) {
	if d.dbs == nil {
		return protocol.DBMap{}, nil
	}
	return protocol.DBMap{DBs: d.dbs.store.List()}, nil
}

func (d *Daemon) ctlGetDBSeqnum(_ context.Context, _ protocol.Header, req any) (any, error) {
	db, err := d.findDB(*req.(*protocol.DBRef))
	if err != nil {
		return nil, err
	}
	n, err := db.Seqnum()
	if err != nil {
		return nil, protocol.Errorf(protocol.StatusError, "%v", err)
	}
	return protocol.DBSeqnum{Seqnum: n}, nil
}

func (d *Daemon) ctlDBFetch(_ context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.DBFetch)
	db, err := d.findDB(r.DB)
	if err != nil {
		return nil, err
	}
	v, ok, err := db.Fetch(r.Key)
	if err != nil {
		return nil, protocol.Errorf(protocol.StatusError, "%v", err)
	}
	return protocol.DBValue{Found: ok, Value: v}, nil
}

// pullMax is the size of one chunk of marshalled records: well inside a
// frame once JSON has base64-encoded it.
const pullMax = 2 << 20

func (d *Daemon) ctlDBPull(_ context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.DBPull)
	db, err := d.findDB(r.DB)
	if err != nil {
		return nil, err
	}
	max := r.Max
	if max <= 0 || max > pullMax {
		max = pullMax
	}
	out, err := db.Pull(r.Session, r.Chunk, max)
	if err != nil {
		return nil, protocol.Errorf(protocol.StatusError, "%v", err)
	}
	return out, nil
}

// ctlDBTrans is a client's transaction: it goes to the leader, which runs
// it on every active node. During a recovery it is refused with
// StatusInRecovery, and the client retries.
func (d *Daemon) ctlDBTrans(ctx context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.DBTrans)
	db, err := d.findDB(r.DB)
	if err != nil {
		return nil, err
	}
	if !db.Persistent() {
		return nil, protocol.Errorf(protocol.StatusBadRequest, "Database %s is not persistent", db.Info().Name)
	}
	mode, gen, leader := d.recState()
	if mode != protocol.RecModeNormal || leader == protocol.PNNUnknown {
		return nil, protocol.Errorf(protocol.StatusInRecovery, "recovery in progress")
	}
	tr := *r
	if err := unstage(&tr); err != nil {
		return nil, err
	}
	tr.DB = protocol.DBRef{ID: db.Info().ID}
	var rep protocol.DBSeqnum
	tr, err = d.stageFor(ctx, leader, gen, tr)
	if err == nil {
		err = d.callNode(ctx, leader, gen, protocol.OpDBTransCoord, &tr, &rep)
	}
	if err != nil {
		if protocol.StatusOf(err) == protocol.StatusUnreachable {
			return nil, protocol.Errorf(protocol.StatusInRecovery, "leader %d: %v", leader, err)
		}
		return nil, err
	}
	return rep, nil
}

func (d *Daemon) coordLock(id uint32) *sync.Mutex {
	d.dbs.mu.Lock()
	defer d.dbs.mu.Unlock()
	m := d.dbs.locks[id]
	if m == nil {
		m = &sync.Mutex{}
		d.dbs.locks[id] = m
	}
	return m
}

// ctlDBTransCoord runs on the leader: prepare on every active node, then
// commit everywhere, or cancel everywhere if one prepare failed.
func (d *Daemon) ctlDBTransCoord(ctx context.Context, h protocol.Header, req any) (any, error) {
	r := req.(*protocol.DBTrans)
	if err := unstage(r); err != nil {
		return nil, err
	}
	db, err := d.findDB(r.DB)
	if err != nil {
		return nil, err
	}
	lk := d.coordLock(db.Info().ID)
	lk.Lock()
	defer lk.Unlock()
	mode, gen, leader := d.recState()
	if mode != protocol.RecModeNormal || leader != d.st.Self || (h.Generation != 0 && h.Generation != gen) {
		return nil, protocol.Errorf(protocol.StatusInRecovery, "recovery in progress")
	}
	seq, err := db.Seqnum()
	if err != nil {
		return nil, protocol.Errorf(protocol.StatusError, "%v", err)
	}
	// One more than now; a restore may ask for its backup's number, but
	// never for less, so that no stale copy wins a later recovery.
	seq = max(seq+1, r.SetSeqnum)
	info := db.Info()
	p := protocol.DBPrepare{TxID: uint64(d.st.Self)<<48 | d.dbs.txid.Add(1)&(1<<48-1), DBID: info.ID, Name: info.Name,
		Flags: info.Flags, Seqnum: seq, Origin: d.st.Self, Trans: *r}
	nodes := d.activeNodes()
	failed := d.prepareOn(ctx, nodes, gen, p)
	txid := protocol.DBTxID{TxID: p.TxID, DBID: info.ID}
	if len(failed) > 0 {
		d.onNodes(ctx, nodes, gen, protocol.OpDBTransCancel, &txid)
		status := protocol.StatusError
		var first error
		for pnn, err := range failed {
			if protocol.StatusOf(err) == protocol.StatusInRecovery || protocol.StatusOf(err) == protocol.StatusUnreachable {
				status = protocol.StatusInRecovery
			}
			if first == nil {
				first = fmt.Errorf("node %d: %v", pnn, err)
			}
		}
		d.log.Warningf("Transaction on %s cancelled: %v", info.Name, first)
		return nil, protocol.Errorf(status, "transaction cancelled: %v", first)
	}
	if failed := d.onNodes(ctx, nodes, gen, protocol.OpDBTransCommit, &txid); len(failed) > 0 {
		// The prepared commit failed on some node: its copy is behind and
		// the next recovery brings it up to the highest sequence number.
		d.log.Errorf("Transaction %d on %s: commit failed on %v; a recovery will repair", p.TxID, info.Name, failed)
		d.requestRecovery()
		return nil, protocol.Errorf(protocol.StatusError, "commit failed on nodes %v", keysOf(failed))
	}
	return protocol.DBSeqnum{Seqnum: seq}, nil
}

// requestRecovery asks the recovery daemon to look at the cluster now.
func (d *Daemon) requestRecovery() {
	d.pushRecd(protocol.MsgRecdWake, protocol.Empty{})
}

func keysOf(m map[uint32]error) []uint32 {
	var out []uint32
	for k := range m {
		out = append(out, k)
	}
	return out
}

// onNodes runs a control on the nodes in parallel and returns the failures.
func (d *Daemon) onNodes(ctx context.Context, nodes []uint32, gen uint32, op protocol.Op, req any) map[uint32]error {
	var mu sync.Mutex
	failed := map[uint32]error{}
	var wg sync.WaitGroup
	for _, pnn := range nodes {
		wg.Add(1)
		go func(pnn uint32) {
			defer wg.Done()
			if err := d.callNode(ctx, pnn, gen, op, req, nil); err != nil {
				mu.Lock()
				failed[pnn] = err
				mu.Unlock()
			}
		}(pnn)
	}
	wg.Wait()
	return failed
}

// prepareOn sends the prepare to every node in parallel, large changes
// staged ahead, and returns the failures.
func (d *Daemon) prepareOn(ctx context.Context, nodes []uint32, gen uint32, p protocol.DBPrepare) map[uint32]error {
	var mu sync.Mutex
	failed := map[uint32]error{}
	var wg sync.WaitGroup
	for _, pnn := range nodes {
		wg.Add(1)
		go func(pnn uint32) {
			defer wg.Done()
			q := p
			var err error
			if pnn != d.st.Self {
				q.Trans, err = d.stageFor(ctx, pnn, gen, p.Trans)
			}
			if err == nil {
				err = d.callNode(ctx, pnn, gen, protocol.OpDBTransPrepare, &q, nil)
			}
			if err != nil {
				mu.Lock()
				failed[pnn] = err
				mu.Unlock()
			}
		}(pnn)
	}
	wg.Wait()
	return failed
}

func (d *Daemon) ctlDBPrepare(_ context.Context, h protocol.Header, req any) (any, error) {
	p := req.(*protocol.DBPrepare)
	if err := unstage(&p.Trans); err != nil {
		return nil, err
	}
	mode, gen, _ := d.recState()
	if mode != protocol.RecModeNormal || h.Generation != gen {
		return nil, protocol.Errorf(protocol.StatusInRecovery, "recovery in progress (generation %d, transaction from %d)", gen, h.Generation)
	}
	if d.dbs == nil {
		return nil, protocol.Errorf(protocol.StatusInRecovery, "databases are not open yet")
	}
	if _, err := d.dbs.store.Attach(p.Name, p.Flags); err != nil {
		return nil, protocol.Errorf(protocol.StatusError, "%v", err)
	}
	db, err := d.findDB(protocol.DBRef{ID: p.DBID})
	if err != nil {
		return nil, err
	}
	if err := db.Prepare(*p); err != nil {
		return nil, protocol.Errorf(protocol.StatusError, "%v", err)
	}
	if mode, _, _ := d.recState(); mode != protocol.RecModeNormal {
		db.Cancel(p.TxID)
		return nil, protocol.Errorf(protocol.StatusInRecovery, "recovery in progress: transaction %d cancelled", p.TxID)
	}
	return nil, nil
}

func (d *Daemon) ctlDBCommit(_ context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.DBTxID)
	db, err := d.findDB(protocol.DBRef{ID: r.DBID})
	if err != nil {
		return nil, err
	}
	// A recovery that started since the prepare decides instead.
	if mode, _, _ := d.recState(); mode != protocol.RecModeNormal {
		db.Cancel(r.TxID)
		return nil, protocol.Errorf(protocol.StatusInRecovery, "recovery in progress: transaction %d cancelled", r.TxID)
	}
	if err := db.Commit(r.TxID); err != nil {
		return nil, protocol.Errorf(protocol.StatusError, "%v", err)
	}
	return nil, nil
}

func (d *Daemon) ctlDBCancel(_ context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.DBTxID)
	db, err := d.findDB(protocol.DBRef{ID: r.DBID})
	if err != nil {
		return nil, err
	}
	if err := db.Cancel(r.TxID); err != nil && !errors.Is(err, dbstore.ErrNotPending) {
		return nil, protocol.Errorf(protocol.StatusError, "%v", err)
	}
	return nil, nil
}

// syncParallel is how many chunks a recovering node asks for at once.
const syncParallel = 3

// ctlDBSync is the recovery's copy: this node pulls node From's copy of
// the database in chunks, straight from that node, and replaces its own
// in one transaction. Only during a recovery.
func (d *Daemon) ctlDBSync(ctx context.Context, h protocol.Header, req any) (any, error) {
	r := req.(*protocol.DBSync)
	if mode, _, _ := d.recState(); mode != protocol.RecModeActive {
		return nil, protocol.Errorf(protocol.StatusNotPermitted, "database sync outside a recovery")
	}
	db, err := d.findDB(protocol.DBRef{ID: r.DBID})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	session := uint64(d.st.Self)<<48 | d.dbs.txid.Add(1)&(1<<48-1)
	pull := func(k int) (protocol.DBRecords, []dbfmt.Rec, error) {
		var c protocol.DBRecords
		req := protocol.DBPull{DB: protocol.DBRef{ID: r.DBID}, Chunk: k, Session: session}
		if err := d.callNode(ctx, r.From, h.Generation, protocol.OpDBPull, &req, &c); err != nil {
			return c, nil, protocol.Errorf(protocol.StatusError, "pull %s from node %d: %v", db.Info().Name, r.From, err)
		}
		recs, err := dbfmt.UnmarshalRecs(c.Recs, c.Count)
		if err != nil {
			return c, nil, protocol.Errorf(protocol.StatusError, "records of %s from node %d: %v", db.Info().Name, r.From, err)
		}
		return c, recs, nil
	}
	first, recs0, err := pull(0)
	if err != nil {
		return nil, err
	}
	// The other chunks, a few at a time: the holder encodes one while this
	// node decodes another.
	parts := make([][]dbfmt.Rec, first.Chunks)
	parts[0] = recs0
	errs := make([]error, first.Chunks)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < syncParallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				_, parts[k], errs[k] = pull(k)
			}
		}()
	}
	for k := 1; k < first.Chunks; k++ {
		next <- k
	}
	close(next)
	wg.Wait()
	var all []dbfmt.Rec
	for k := range parts {
		if errs[k] != nil {
			return nil, errs[k]
		}
		all = append(all, parts[k]...)
	}
	seq := first.Seqnum
	pulled := time.Since(start)
	if err := db.Replace(all); err != nil {
		return nil, protocol.Errorf(protocol.StatusError, "%v", err)
	}
	d.log.Infof("Recovered database %s from node %d: %d records, sequence number %d (%.3f s, %.3f s of it pulling)",
		db.Info().Name, r.From, len(all), seq, time.Since(start).Seconds(), pulled.Seconds())
	return nil, nil
}
