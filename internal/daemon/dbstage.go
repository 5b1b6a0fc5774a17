package daemon

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// Large transactions: a control frame holds at most protocol.MaxFrameSize,
// so the changes of a larger transaction travel ahead in DB_STAGE parts,
// held by the receiving node until the transaction names them.

// stageChunk bounds the changes in one frame (JSON encodes them in base64).
const stageChunk = 2 << 20

// stageTTL: staged changes that no transaction claims are dropped.
const stageTTL = time.Minute

type stagedChanges struct {
	changes []protocol.DBChange
	timer   *time.Timer
}

type stageStore struct {
	mu sync.Mutex
	m  map[uint64]*stagedChanges
}

var stages = &stageStore{m: map[uint64]*stagedChanges{}}

func (s *stageStore) add(id uint64, ch []protocol.DBChange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.m[id]
	if st == nil {
		st = &stagedChanges{}
		st.timer = time.AfterFunc(stageTTL, func() { s.take(id) })
		s.m[id] = st
	}
	st.changes = append(st.changes, ch...)
}

func (s *stageStore) take(id uint64) ([]protocol.DBChange, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.m[id]
	if st == nil {
		return nil, false
	}
	st.timer.Stop()
	delete(s.m, id)
	return st.changes, true
}

func init() {
	controls[protocol.OpDBStage] = (*Daemon).ctlDBStage
}

func (d *Daemon) ctlDBStage(_ context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.DBStage)
	stages.add(r.ID, r.Changes)
	return nil, nil
}

// unstage puts a transaction's staged changes back in front of its own.
func unstage(tr *protocol.DBTrans) error {
	if tr.Staged == 0 {
		return nil
	}
	ch, ok := stages.take(tr.Staged)
	if !ok {
		return protocol.Errorf(protocol.StatusError, "staged changes %d of the transaction are gone", tr.Staged)
	}
	tr.Changes = append(ch, tr.Changes...)
	tr.Staged = 0
	return nil
}

func changesSize(ch []protocol.DBChange) int {
	n := 0
	for _, c := range ch {
		n += len(c.Key) + len(c.Value) + 32
	}
	return n
}

// stageFor sends the changes of tr ahead to node pnn when they would not
// fit in one frame, and returns the transaction to send in their place.
func (d *Daemon) stageFor(ctx context.Context, pnn, gen uint32, tr protocol.DBTrans) (protocol.DBTrans, error) {
	if changesSize(tr.Changes) <= stageChunk {
		return tr, nil
	}
	id := rand.Uint64() | 1
	var part []protocol.DBChange
	size := 0
	flush := func() error {
		if len(part) == 0 {
			return nil
		}
		err := d.callNode(ctx, pnn, gen, protocol.OpDBStage, &protocol.DBStage{ID: id, Changes: part}, nil)
		part, size = nil, 0
		return err
	}
	for _, c := range tr.Changes {
		if size+len(c.Key)+len(c.Value)+32 > stageChunk {
			if err := flush(); err != nil {
				return tr, err
			}
		}
		part = append(part, c)
		size += len(c.Key) + len(c.Value) + 32
	}
	if err := flush(); err != nil {
		return tr, err
	}
	tr.Changes, tr.Staged = nil, id
	return tr, nil
}
