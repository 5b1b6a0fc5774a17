package protocol

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// Database controls (range 300-399). Keys, values and record buffers are
// []byte, which JSON carries as base64.
const (
	OpDBAttach       Op = 300 // DBAttach -> DBInfo: attach on every connected node
	OpDBAttachLocal  Op = 301 // DBAttach -> DBInfo: attach on this node only
	OpDBDetach       Op = 302 // DBRef: detach on every connected node
	OpDBDetachLocal  Op = 303 // DBRef: detach on this node only
	OpGetDBMap       Op = 304 // -> DBMap
	OpGetDBSeqnum    Op = 305 // DBRef -> DBSeqnum
	OpDBFetch        Op = 306 // DBFetch -> DBValue: this node's copy
	OpDBPull         Op = 307 // DBPull -> DBRecords: a chunk of this node's records
	OpDBTrans        Op = 308 // DBTrans -> DBSeqnum: a transaction on every active node
	OpDBTransCoord   Op = 309 // DBTrans -> DBSeqnum: sent to the leader, which coordinates
	OpDBTransPrepare Op = 310 // DBPrepare: apply and prepare a transaction, keep it pending
	OpDBTransCommit  Op = 311 // DBTxID: commit the pending transaction
	OpDBTransCancel  Op = 312 // DBTxID: cancel the pending transaction
	OpDBStage        Op = 314 // DBStage: hold changes of a transaction too large for one frame
	OpDBSync         Op = 315 // DBSync: recovery: replace this node's copy by node From's
	// 313 is free: it was DB_STATS; the database counters are in ctdb statistics.
)

// StatusInRecovery: refused because a recovery is in progress (or this
// node's databases are not recovered yet); the caller retries.
const StatusInRecovery int32 = 300

// DBInfo describes an attached database.
type DBInfo struct {
	ID    uint32 `json:"id"`
	Name  string `json:"name"`
	Path  string `json:"path"`
	Flags uint32 `json:"flags"` // dbfmt.DBFlag*
	// Unhealthy is empty for a healthy database, else the reason.
	Unhealthy string `json:"unhealthy,omitempty"`
}

type DBAttach struct {
	Name  string `json:"name"`
	Flags uint32 `json:"flags"`
}

// DBRef names a database by name or by id (Name empty).
type DBRef struct {
	ID   uint32 `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

type DBMap struct {
	DBs []DBInfo `json:"dbs"`
}

type DBSeqnum struct {
	Seqnum uint64 `json:"seqnum"`
}

type DBFetch struct {
	DB  DBRef  `json:"db"`
	Key []byte `json:"key"`
}

// DBValue is a record's value with its header (dbfmt.Value layout).
type DBValue struct {
	Found bool   `json:"found"`
	Value []byte `json:"value,omitempty"`
}

// DBPull asks for chunk Chunk of a database's records: chunk 0 takes a
// snapshot for Session and cuts it into chunks of at most Max bytes (at
// least one record each); the other chunks come from that snapshot, in
// any order, so a puller may ask for several at once.
type DBPull struct {
	DB      DBRef  `json:"db"`
	Chunk   int    `json:"chunk"`
	Max     int    `json:"max"`
	Session uint64 `json:"session,omitempty"`
}

// DBSync asks a node, during a recovery, to pull node From's copy of a
// database and make it its own, in one transaction.
type DBSync struct {
	DBID uint32 `json:"dbid"`
	From uint32 `json:"from"`
}

// DBRecords is one chunk of marshalled records (dbfmt.MarshalRecs), of
// Chunks in the snapshot.
type DBRecords struct {
	Count  int    `json:"count"`
	Recs   Blob   `json:"recs"`
	Chunks int    `json:"chunks"`
	Seqnum uint64 `json:"seqnum"`
}

// DBChange is one change of a transaction: store Value under Key, or
// delete Key when Value is empty (as ptrans). With Raw, Value is a whole
// stored value (header and data), written as is (restoredb).
type DBChange struct {
	Key   []byte `json:"key"`
	Value []byte `json:"value,omitempty"`
}

// DBTrans is a transaction: optionally wipe the database first, then the
// changes. With Raw the changes are whole values (header included). The
// sequence number becomes the larger of the current one plus one and
// SetSeqnum.
type DBTrans struct {
	DB        DBRef      `json:"db"`
	Wipe      bool       `json:"wipe,omitempty"`
	Raw       bool       `json:"raw,omitempty"`
	SetSeqnum uint64     `json:"set_seqnum,omitempty"`
	Changes   []DBChange `json:"changes"`
	// Staged names changes sent before with DB_STAGE (to the same node);
	// they come before Changes.
	Staged uint64 `json:"staged,omitempty"`
}

// DBStage carries a part of a large transaction's changes; the receiver
// keeps them under ID until a DB_TRANS, DB_TRANS_COORD or
// DB_TRANS_PREPARE names them (or a minute passes).
type DBStage struct {
	ID      uint64     `json:"id"`
	Changes []DBChange `json:"changes"`
}

// DBPrepare is a transaction as the coordinator sends it to each node,
// with the id of the transaction and the sequence number to write.
type DBPrepare struct {
	TxID   uint64  `json:"txid"`
	DBID   uint32  `json:"dbid"`
	Name   string  `json:"name"`
	Flags  uint32  `json:"flags"`
	Seqnum uint64  `json:"seqnum"`
	Origin uint32  `json:"origin"` // PNN written as the records' dmaster
	Trans  DBTrans `json:"trans"`
}

type DBTxID struct {
	TxID uint64 `json:"txid"`
	DBID uint32 `json:"dbid"`
}

func init() {
	Ops[OpDBAttach] = OpInfo{"DB_ATTACH", newOf[DBAttach](), newOf[DBInfo]()}
	Ops[OpDBAttachLocal] = OpInfo{"DB_ATTACH_LOCAL", newOf[DBAttach](), newOf[DBInfo]()}
	Ops[OpDBDetach] = OpInfo{"DB_DETACH", newOf[DBRef](), newOf[Empty]()}
	Ops[OpDBDetachLocal] = OpInfo{"DB_DETACH_LOCAL", newOf[DBRef](), newOf[Empty]()}
	Ops[OpGetDBMap] = OpInfo{"GET_DBMAP", newOf[Empty](), newOf[DBMap]()}
	Ops[OpGetDBSeqnum] = OpInfo{"GET_DB_SEQNUM", newOf[DBRef](), newOf[DBSeqnum]()}
	Ops[OpDBFetch] = OpInfo{"DB_FETCH", newOf[DBFetch](), newOf[DBValue]()}
	Ops[OpDBPull] = OpInfo{"DB_PULL", newOf[DBPull](), newOf[DBRecords]()}
	Ops[OpDBTrans] = OpInfo{"DB_TRANS", newOf[DBTrans](), newOf[DBSeqnum]()}
	Ops[OpDBTransCoord] = OpInfo{"DB_TRANS_COORD", newOf[DBTrans](), newOf[DBSeqnum]()}
	Ops[OpDBTransPrepare] = OpInfo{"DB_TRANS_PREPARE", newOf[DBPrepare](), newOf[Empty]()}
	Ops[OpDBTransCommit] = OpInfo{"DB_TRANS_COMMIT", newOf[DBTxID](), newOf[Empty]()}
	Ops[OpDBTransCancel] = OpInfo{"DB_TRANS_CANCEL", newOf[DBTxID](), newOf[Empty]()}
	Ops[OpDBStage] = OpInfo{"DB_STAGE", newOf[DBStage](), newOf[Empty]()}
	Ops[OpDBSync] = OpInfo{"DB_SYNC", newOf[DBSync](), newOf[Empty]()}
}

// Blob is bytes carried in JSON as a base64 string, encoded as []byte is,
// but decoded without encoding/json's general string path: record buffers
// of megabytes decode about twice as fast.
type Blob []byte

// UnmarshalJSON decodes a base64 string (or null).
func (b *Blob) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*b = nil
		return nil
	}
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return fmt.Errorf("blob: not a JSON string")
	}
	s := data[1 : len(data)-1]
	if bytes.IndexByte(s, '\\') >= 0 {
		// Escaped characters (never produced by MarshalJSON): the slow way.
		var raw []byte
		if err := json.Unmarshal(data, &raw); err != nil {
			return err
		}
		*b = raw
		return nil
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(out, s)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	*b = out[:n]
	return nil
}
