package dbstore

import (
	"errors"
	"fmt"
	"time"

	"github.com/ctdb-go/ctdb/internal/dbfmt"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/tdb"
)

var errNotFound = tdb.ErrNotFound

// Prepare applies a transaction inside a TDB transaction and prepares its
// commit (TDB writes and syncs its recovery area), then keeps it pending
// until Commit or Cancel. Nothing is visible until Commit; on any error
// nothing is changed.
func (db *DB) Prepare(p protocol.DBPrepare) error {
	start := time.Now()
	db.txmu.Lock()
	err := db.prepare(p)
	if err != nil {
		db.txmu.Unlock()
		db.s.wrote(time.Since(start))
		return err
	}
	db.pmu.Lock()
	db.pending = &pending{txid: p.TxID, took: time.Since(start)}
	db.pending.timer = time.AfterFunc(PendingTimeout, func() {
		if db.Cancel(p.TxID) == nil {
			db.s.log("Cancelled transaction %d on %s: no commit within %v", p.TxID, db.info.Name, PendingTimeout)
		}
	})
	db.pmu.Unlock()
	return nil
}

func (db *DB) prepare(p protocol.DBPrepare) error {
	if err := db.t.TransactionStart(); err != nil {
		return err
	}
	if err := db.apply(p); err != nil {
		db.t.TransactionCancel()
		return err
	}
	if err := db.t.TransactionPrepareCommit(); err != nil {
		db.t.TransactionCancel()
		return err
	}
	return nil
}

// apply writes the changes and the new sequence number (inside the
// caller's TDB transaction).
func (db *DB) apply(p protocol.DBPrepare) error {
	tr := p.Trans
	if tr.Wipe {
		if err := db.t.Wipe(); err != nil {
			return err
		}
	}
	for _, c := range tr.Changes {
		if len(c.Key) == 0 {
			return errors.New("empty key")
		}
		if tr.Raw {
			if _, _, err := dbfmt.SplitValue(c.Value); err != nil {
				return fmt.Errorf("record %q: %v", dbfmt.Escape(c.Key), err)
			}
			if err := db.t.Store(c.Key, c.Value); err != nil {
				return err
			}
			continue
		}
		if string(c.Key) == string(dbfmt.SeqnumKey) {
			return fmt.Errorf("key %q is reserved", dbfmt.Escape(c.Key))
		}
		if len(c.Value) == 0 {
			if err := db.t.Delete(c.Key); err != nil && !errors.Is(err, errNotFound) {
				return err
			}
			continue
		}
		if err := db.store(c.Key, c.Value, p.Origin); err != nil {
			return err
		}
	}
	if p.Seqnum != 0 {
		return db.store(dbfmt.SeqnumKey, dbfmt.SeqnumData(p.Seqnum), p.Origin)
	}
	return nil
}

// store writes data under key with the record's RSN raised by one.
func (db *DB) store(key, data []byte, origin uint32) error {
	h := dbfmt.Header{DMaster: origin}
	if old, ok, err := db.t.Fetch(key); err != nil {
		return err
	} else if ok {
		if oh, _, err := dbfmt.SplitValue(old); err == nil {
			h.RSN = oh.RSN
		}
	}
	h.RSN++
	return db.t.Store(key, dbfmt.Value(h, data))
}

// Commit commits the pending transaction txid.
func (db *DB) Commit(txid uint64) error {
	p, err := db.take(txid)
	if err != nil {
		return err
	}
	defer db.txmu.Unlock()
	start := time.Now()
	err = db.t.TransactionCommit()
	db.s.wrote(p.took + time.Since(start))
	return err
}

// Cancel cancels the pending transaction txid.
func (db *DB) Cancel(txid uint64) error {
	p, err := db.take(txid)
	if err != nil {
		return err
	}
	defer db.txmu.Unlock()
	start := time.Now()
	err = db.t.TransactionCancel()
	db.s.wrote(p.took + time.Since(start))
	return err
}

// CancelPending cancels whatever transaction is pending (a recovery
// starts: the coordinator's outcome no longer matters, recovery decides).
func (db *DB) CancelPending() bool {
	db.pmu.Lock()
	p := db.pending
	db.pmu.Unlock()
	if p == nil {
		return false
	}
	return db.Cancel(p.txid) == nil
}

func (db *DB) take(txid uint64) (*pending, error) {
	db.pmu.Lock()
	defer db.pmu.Unlock()
	p := db.pending
	if p == nil || p.txid != txid {
		return nil, fmt.Errorf("%w: %d on %s", ErrNotPending, txid, db.info.Name)
	}
	p.timer.Stop()
	db.pending = nil
	return p, nil
}

// PendingTxID returns the pending transaction's id, if any.
func (db *DB) PendingTxID() (uint64, bool) {
	db.pmu.Lock()
	defer db.pmu.Unlock()
	if db.pending == nil {
		return 0, false
	}
	return db.pending.txid, true
}

// Replace makes recs the whole content of the database, atomically.
func (db *DB) Replace(recs []dbfmt.Rec) error {
	db.CancelPending()
	db.txmu.Lock()
	defer db.txmu.Unlock()
	if err := db.t.TransactionStart(); err != nil {
		return err
	}
	err := db.t.Wipe()
	for i := 0; err == nil && i < len(recs); i++ {
		err = db.t.Store(recs[i].Key, dbfmt.Value(recs[i].Header, recs[i].Data))
	}
	if err == nil {
		err = db.t.TransactionCommit()
	}
	if err != nil {
		db.t.TransactionCancel()
		return fmt.Errorf("replace %s: %w", db.info.Path, err)
	}
	return nil
}

// StoreLocal writes one value (header included) outside any cluster
// transaction: volatile databases, and tstore-like local writes.
func (db *DB) StoreLocal(key, value []byte) error {
	db.txmu.Lock()
	defer db.txmu.Unlock()
	return db.t.Store(key, value)
}
