package recoverd

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// dbRecoverFlags: databases whose copies the recovery makes equal.
const dbRecoverFlags = 0x01 | 0x08 // persistent, replicated

// recoverDatabases brings every persistent (and replicated) database to
// the copy with the highest sequence number on every node (CTDB's rule):
// a database missing on a node is attached there first, then every node
// whose sequence number differs from the highest gets that copy, pulled
// in chunks from its holder and pushed as one transaction per node.
func (r *Recoverd) recoverDatabases(nodes []uint32, gen, epoch uint32) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	maps := map[uint32][]protocol.DBInfo{}
	all := map[uint32]protocol.DBInfo{}
	for _, pnn := range nodes {
		var m protocol.DBMap
		if err := r.call(ctx, pnn, protocol.OpGetDBMap, nil, &m); err != nil {
			return fmt.Errorf("database map of node %d: %w", pnn, err)
		}
		maps[pnn] = m.DBs
		for _, db := range m.DBs {
			if db.Flags&dbRecoverFlags != 0 {
				all[db.ID] = db
			}
		}
	}
	ids := make([]uint32, 0, len(all))
	for id := range all {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return all[ids[i]].Name < all[ids[j]].Name })
	for _, id := range ids {
		if err := r.recoverDB(ctx, all[id], nodes, maps, gen, epoch); err != nil {
			return fmt.Errorf("database %s: %w", all[id].Name, err)
		}
	}
	return nil
}

func (r *Recoverd) call(ctx context.Context, pnn uint32, op protocol.Op, req, rep any) error {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return r.c.Call(cctx, pnn, op, req, rep)
}

func hasDB(list []protocol.DBInfo, id uint32) bool {
	for _, db := range list {
		if db.ID == id {
			return true
		}
	}
	return false
}

func (r *Recoverd) recoverDB(ctx context.Context, db protocol.DBInfo, nodes []uint32, maps map[uint32][]protocol.DBInfo, gen, epoch uint32) error {
	ref := protocol.DBRef{ID: db.ID}
	seq := map[uint32]uint64{}
	best, bestSeq := protocol.PNNUnknown, uint64(0)
	for _, pnn := range nodes {
		if !hasDB(maps[pnn], db.ID) {
			if err := r.call(ctx, pnn, protocol.OpDBAttachLocal, protocol.DBAttach{Name: db.Name, Flags: db.Flags}, nil); err != nil {
				return fmt.Errorf("attach on node %d: %w", pnn, err)
			}
		}
		var s protocol.DBSeqnum
		if err := r.call(ctx, pnn, protocol.OpGetDBSeqnum, ref, &s); err != nil {
			return fmt.Errorf("sequence number on node %d: %w", pnn, err)
		}
		seq[pnn] = s.Seqnum
		if best == protocol.PNNUnknown || s.Seqnum > bestSeq || (s.Seqnum == bestSeq && pnn == r.self) {
			best, bestSeq = pnn, s.Seqnum
		}
	}
	var behind []uint32
	for _, pnn := range nodes {
		if seq[pnn] != bestSeq {
			behind = append(behind, pnn)
		}
	}
	if len(behind) == 0 {
		return nil
	}
	start := time.Now()
	r.log.Infof("Recovering database %s: copy of node %d (sequence number %d) to nodes %v", db.Name, best, bestSeq, behind)
	if err := r.syncAll(behind, gen, epoch, protocol.DBSync{DBID: db.ID, From: best}); err != nil {
		return err
	}
	r.log.Infof("Recovered database %s in %.3f s", db.Name, time.Since(start).Seconds())
	return nil
}

// syncAll has every lagging node copy the best node's database, straight
// from that node, in parallel.
func (r *Recoverd) syncAll(nodes []uint32, gen, epoch uint32, req protocol.DBSync) error {
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for _, pnn := range nodes {
		wg.Add(1)
		go func(pnn uint32) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			if err := r.c.CallFenced(ctx, pnn, gen, epoch, protocol.OpDBSync, req, nil); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("sync on node %d: %w", pnn, err)
				}
				mu.Unlock()
			}
		}(pnn)
	}
	wg.Wait()
	return firstErr
}
