package cli

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ctdb-go/ctdb/internal/dbfmt"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// The database commands, with CTDB 4.17's usage lines.
var dbCommands = []*command{
	{name: "getdbmap", help: "show attached databases", run: runGetdbmap},
	{name: "getdbstatus", args: "<dbname|dbid>", help: "show database status", min: 1, max: 1, run: runGetdbstatus},
	{name: "getdbseqnum", args: "<dbname|dbid>", help: "get database sequence number", min: 1, max: 1, run: runGetdbseqnum},
	{name: "catdb", args: "<dbname|dbid>", help: "dump cluster-wide ctdb database", min: 1, max: 1, run: runCatdb},
	{name: "cattdb", args: "<dbname|dbid>", help: "dump local ctdb database", min: 1, max: 1, run: runCattdb},
	{name: "pfetch", args: "<dbname|dbid> <key>", help: "fetch record from persistent database", min: 2, max: 2, run: runPfetch},
	{name: "pstore", args: "<dbname|dbid> <key> <value>", help: "write record to persistent database", min: 3, max: 3, run: runPstore},
	{name: "pdelete", args: "<dbname|dbid> <key>", help: "delete record from persistent database", min: 2, max: 2, run: runPdelete},
	{name: "ptrans", args: "<dbname|dbid> [<file>]", help: "update a persistent database (from file or stdin)", min: 1, max: 2, run: runPtrans},
	{name: "tstore", args: "<tdb-file> <key> <data> [<rsn> <dmaster> <flags>]", help: "store a record", min: 3, max: 6, noDaemon: true, run: runTstore},
	{name: "tfetch", args: "<tdb-file> <key> [<file>]", help: "fetch a record", min: 2, max: 3, noDaemon: true, run: runTfetch},
	{name: "backupdb", args: "<dbname|dbid> <file>", help: "backup a database into a file", min: 2, max: 2, run: runBackupdb},
	{name: "restoredb", args: "<file> [dbname]", help: "restore a database from a file", min: 1, max: 2, run: runRestoredb},
	{name: "dumpdbbackup", args: "<file>", help: "dump database from a backup file", min: 1, max: 1, noDaemon: true, run: runDumpdbbackup},
	{name: "wipedb", args: "<dbname|dbid>", help: "wipe the contents of a database.", min: 1, max: 1, run: runWipedb},
	{name: "attach", args: "<dbname> [persistent|replicated]", help: "attach a database", min: 1, max: 2, check: checkAttach, run: runAttach},
	{name: "detach", args: "<dbname|dbid> ...", help: "detach database(s)", min: 1, max: -1, run: runDetach},
}

func init() {
	commands = append(commands, dbCommands...)
}

func checkAttach(args []string) error {
	if len(args) == 2 && args[1] != "persistent" && args[1] != "replicated" {
		return &usageError{"attach"}
	}
	return nil
}

// dbMap is the database map of the node the command is about.
func dbMap(e *env) ([]protocol.DBInfo, error) {
	var m protocol.DBMap
	if err := e.call(protocol.OpGetDBMap, nil, &m); err != nil {
		return nil, fmt.Errorf("Failed to get dbmap from node %d: %w", e.cmdPNN, err)
	}
	return m.DBs, nil
}

// findDB resolves a database name or id (0x... or decimal) as CTDB does.
func findDB(e *env, arg string) (protocol.DBInfo, error) {
	dbs, err := dbMap(e)
	if err != nil {
		return protocol.DBInfo{}, err
	}
	id, idErr := strconv.ParseUint(arg, 0, 32)
	for _, db := range dbs {
		if db.Name == arg || (idErr == nil && strings.HasPrefix(arg, "0x") && db.ID == uint32(id)) {
			return db, nil
		}
	}
	return protocol.DBInfo{}, failf("No database matching '%s' found", arg)
}

func lowerYesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func b01(b bool) int {
	if b {
		return 1
	}
	return 0
}

func runGetdbmap(e *env, _ []string) error {
	dbs, err := dbMap(e)
	if err != nil {
		return err
	}
	if e.opts.machine {
		s := e.sep()
		printf(e.out, "%sID%sName%sPath%sPersistent%sSticky%sUnhealthy%sReadonly%sReplicated%s\n", s, s, s, s, s, s, s, s, s)
		for _, db := range dbs {
			printf(e.out, "%s0x%08X%s%s%s%s%s%d%s%d%s%d%s%d%s%d%s\n", s, db.ID, s, db.Name, s, db.Path, s,
				b01(db.Flags&dbfmt.DBFlagPersistent != 0), s, b01(db.Flags&dbfmt.DBFlagSticky != 0), s, b01(db.Unhealthy != ""), s,
				b01(db.Flags&dbfmt.DBFlagReadonly != 0), s, b01(db.Flags&dbfmt.DBFlagReplicated != 0), s)
		}
		return nil
	}
	printf(e.out, "Number of databases:%d\n", len(dbs))
	for _, db := range dbs {
		var fl string
		for _, f := range []struct {
			on   bool
			name string
		}{{db.Flags&dbfmt.DBFlagPersistent != 0, "PERSISTENT"}, {db.Flags&dbfmt.DBFlagReplicated != 0, "REPLICATED"},
			{db.Flags&dbfmt.DBFlagSticky != 0, "STICKY"}, {db.Flags&dbfmt.DBFlagReadonly != 0, "READONLY"}, {db.Unhealthy != "", "UNHEALTHY"}} {
			if f.on {
				fl += " " + f.name
			}
		}
		printf(e.out, "dbid:0x%08x name:%s path:%s%s\n", db.ID, db.Name, db.Path, fl)
	}
	return nil
}

func runGetdbstatus(e *env, args []string) error {
	db, err := findDB(e, args[0])
	if err != nil {
		return err
	}
	health := "OK"
	if db.Unhealthy != "" {
		health = db.Unhealthy
	}
	printf(e.out, "dbid: 0x%08x\nname: %s\npath: %s\nPERSISTENT: %s\nREPLICATED: %s\nSTICKY: %s\nREADONLY: %s\nHEALTH: %s\n",
		db.ID, db.Name, db.Path, lowerYesNo(db.Flags&dbfmt.DBFlagPersistent != 0), lowerYesNo(db.Flags&dbfmt.DBFlagReplicated != 0),
		lowerYesNo(db.Flags&dbfmt.DBFlagSticky != 0), lowerYesNo(db.Flags&dbfmt.DBFlagReadonly != 0), health)
	return nil
}

func runGetdbseqnum(e *env, args []string) error {
	db, err := findDB(e, args[0])
	if err != nil {
		return err
	}
	var s protocol.DBSeqnum
	if err := e.call(protocol.OpGetDBSeqnum, protocol.DBRef{ID: db.ID}, &s); err != nil {
		return fmt.Errorf("Failed to get sequence number for database %s: %w", db.Name, err)
	}
	printf(e.out, "0x%x\n", s.Seqnum)
	return nil
}

// pullAll reads every record of a database from the node the command is
// about, in chunks.
func pullAll(e *env, db protocol.DBInfo) ([]dbfmt.Rec, error) {
	var out []dbfmt.Rec
	session := uint64(time.Now().UnixNano())
	for k, n := 0, 1; k < n; k++ {
		var r protocol.DBRecords
		if err := e.call(protocol.OpDBPull, protocol.DBPull{DB: protocol.DBRef{ID: db.ID}, Chunk: k, Session: session}, &r); err != nil {
			return nil, fmt.Errorf("Failed to read records of %s: %w", db.Name, err)
		}
		recs, err := dbfmt.UnmarshalRecs(r.Recs, r.Count)
		if err != nil {
			return nil, fmt.Errorf("Bad records of %s from node %d: %w", db.Name, e.cmdPNN, err)
		}
		out = append(out, recs...)
		n = r.Chunks
	}
	return out, nil
}

func dumpDB(e *env, arg, trailer string) error {
	db, err := findDB(e, arg)
	if err != nil {
		return err
	}
	recs, err := pullAll(e, db)
	if err != nil {
		return err
	}
	for _, r := range recs {
		dbfmt.WriteRec(e.out, r.Key, r.Header, r.Data)
	}
	printf(e.out, trailer, len(recs))
	return nil
}

func runCatdb(e *env, args []string) error  { return dumpDB(e, args[0], "Dumped %d records\n") }
func runCattdb(e *env, args []string) error { return dumpDB(e, args[0], "Dumped %d record(s)\n") }

func runPfetch(e *env, args []string) error {
	db, err := findDB(e, args[0])
	if err != nil {
		return err
	}
	var v protocol.DBValue
	if err := e.call(protocol.OpDBFetch, protocol.DBFetch{DB: protocol.DBRef{ID: db.ID}, Key: []byte(args[1])}, &v); err != nil {
		return fmt.Errorf("Failed to fetch record: %w", err)
	}
	// As CTDB 4.17: the data and a newline; a missing key is an empty line.
	var data []byte
	if v.Found {
		if _, data, err = dbfmt.SplitValue(v.Value); err != nil {
			return fmt.Errorf("Bad record %s: %w", args[1], err)
		}
	}
	e.out.Write(append(data, '\n'))
	return nil
}

// transaction runs a persistent database transaction, retrying while a
// recovery is in progress (as CTDB's transaction commit does) until the
// maximum runtime.
func transaction(e *env, db protocol.DBInfo, tr protocol.DBTrans) error {
	if db.Flags&(dbfmt.DBFlagPersistent|dbfmt.DBFlagReplicated) == 0 {
		return failf("Database %s is not persistent", db.Name)
	}
	tr.DB = protocol.DBRef{ID: db.ID}
	for {
		err := e.call(protocol.OpDBTrans, stageLarge(e, tr), nil)
		if err == nil || protocol.StatusOf(err) != protocol.StatusInRecovery {
			if err != nil {
				return fmt.Errorf("Failed to commit transaction on %s: %w", db.Name, err)
			}
			return nil
		}
		select {
		case <-e.ctx.Done():
			return fmt.Errorf("Failed to commit transaction on %s: %w", db.Name, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stageChunk bounds the changes sent in one frame; a larger transaction
// sends its changes ahead in DB_STAGE parts (again at every retry: a
// refused transaction may have consumed them).
const stageChunk = 2 << 20

func stageLarge(e *env, tr protocol.DBTrans) protocol.DBTrans {
	size := 0
	for _, c := range tr.Changes {
		size += len(c.Key) + len(c.Value) + 32
	}
	if size <= stageChunk {
		return tr
	}
	id := uint64(time.Now().UnixNano()) | 1
	var part []protocol.DBChange
	size = 0
	for i, c := range tr.Changes {
		part = append(part, c)
		size += len(c.Key) + len(c.Value) + 32
		if size > stageChunk || i == len(tr.Changes)-1 {
			if err := e.call(protocol.OpDBStage, protocol.DBStage{ID: id, Changes: part}, nil); err != nil {
				return tr // the transaction then fails with the frame error
			}
			part, size = nil, 0
		}
	}
	tr.Changes, tr.Staged = nil, id
	return tr
}

func runPstore(e *env, args []string) error {
	db, err := findDB(e, args[0])
	if err != nil {
		return err
	}
	return transaction(e, db, protocol.DBTrans{Changes: []protocol.DBChange{{Key: []byte(args[1]), Value: []byte(args[2])}}})
}

func runPdelete(e *env, args []string) error {
	db, err := findDB(e, args[0])
	if err != nil {
		return err
	}
	return transaction(e, db, protocol.DBTrans{Changes: []protocol.DBChange{{Key: []byte(args[1])}}})
}

func runPtrans(e *env, args []string) error {
	db, err := findDB(e, args[0])
	if err != nil {
		return err
	}
	in, name := e.in, "stdin"
	if len(args) == 2 {
		f, err := os.Open(args[1])
		if err != nil {
			return failf("Failed to open %s: %v", args[1], err)
		}
		defer f.Close()
		in, name = f, args[1]
	}
	recs, err := dbfmt.ParsePtrans(in, name)
	if err != nil {
		return failf("%v", err)
	}
	tr := protocol.DBTrans{}
	for _, r := range recs {
		tr.Changes = append(tr.Changes, protocol.DBChange{Key: r.Key, Value: r.Value})
	}
	return transaction(e, db, tr)
}

func runWipedb(e *env, args []string) error {
	db, err := findDB(e, args[0])
	if err != nil {
		return err
	}
	if err := transaction(e, db, protocol.DBTrans{Wipe: true}); err != nil {
		return err
	}
	printf(e.out, "Database %s wiped\n", db.Name)
	return nil
}

func runAttach(e *env, args []string) error {
	var flags uint32
	if len(args) == 2 {
		flags = map[string]uint32{"persistent": dbfmt.DBFlagPersistent, "replicated": dbfmt.DBFlagReplicated}[args[1]]
	}
	if err := e.call(protocol.OpDBAttach, protocol.DBAttach{Name: args[0], Flags: flags}, nil); err != nil {
		return fmt.Errorf("Failed to attach database %s: %w", args[0], err)
	}
	return nil
}

func runDetach(e *env, args []string) error {
	var dbs []protocol.DBInfo
	for _, a := range args {
		db, err := findDB(e, a)
		if err != nil {
			return err
		}
		dbs = append(dbs, db)
	}
	for _, db := range dbs {
		if db.Flags&(dbfmt.DBFlagPersistent|dbfmt.DBFlagReplicated) != 0 {
			return failf("Persistent database %s cannot be detached", db.Name)
		}
	}
	for _, db := range dbs {
		if err := e.call(protocol.OpDBDetach, protocol.DBRef{ID: db.ID}, nil); err != nil {
			return fmt.Errorf("Database detach failed for %s: %w", db.Name, err)
		}
	}
	return nil
}

func runBackupdb(e *env, args []string) error {
	db, err := findDB(e, args[0])
	if err != nil {
		return err
	}
	recs, err := pullAll(e, db)
	if err != nil {
		return err
	}
	b, err := dbfmt.MarshalBackup(dbfmt.Backup{Name: db.Name, Flags: db.Flags, Timestamp: time.Now(), DBID: db.ID, Recs: recs})
	if err != nil {
		return failf("%v", err)
	}
	if err := writeFileSync(args[1], b); err != nil {
		return failf("Failed to write backup %s: %v", args[1], err)
	}
	printf(e.out, "Database backed up to %s\n", args[1])
	return nil
}

// writeFileSync writes a file through a temporary name, synced, so a
// crash leaves either no backup or a whole one.
func writeFileSync(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err = f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

func readBackup(path string) (*dbfmt.Backup, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, failf("Failed to open %s: %v", path, err)
	}
	defer f.Close()
	b, err := dbfmt.ReadBackup(f, path)
	if err != nil {
		return nil, &exitError{code: 1, msg: fmt.Sprintf("Failed to read backup: %v", err)}
	}
	return b, nil
}

const backupTime = "2006/01/02 15:04:05"

func runRestoredb(e *env, args []string) error {
	b, err := readBackup(args[0])
	if err != nil {
		return err
	}
	name := b.Name
	if len(args) == 2 {
		name = args[1]
	}
	printf(e.out, "Restoring database %s from backup @ %s\n", name, b.Timestamp.Local().Format(backupTime))
	flags := b.Flags & (dbfmt.DBFlagPersistent | dbfmt.DBFlagReplicated)
	if flags == 0 {
		return failf("Backup %s is of volatile database %s: only persistent and replicated databases can be restored", args[0], b.Name)
	}
	var info protocol.DBInfo
	if err := e.call(protocol.OpDBAttach, protocol.DBAttach{Name: name, Flags: flags}, &info); err != nil {
		return fmt.Errorf("Failed to attach database %s: %w", name, err)
	}
	// The backup's records replace the database's in one transaction. Its
	// sequence number becomes the backup's, or one more than the current
	// one if that is higher, so no stale copy can win a later recovery.
	tr := protocol.DBTrans{Wipe: true, Raw: true}
	for _, r := range b.Recs {
		if bytes.Equal(r.Key, dbfmt.SeqnumKey) {
			if n, err := dbfmt.ParseSeqnum(r.Data); err == nil {
				tr.SetSeqnum = n
			}
			continue
		}
		tr.Changes = append(tr.Changes, protocol.DBChange{Key: r.Key, Value: dbfmt.Value(r.Header, r.Data)})
	}
	if err := transaction(e, info, tr); err != nil {
		return err
	}
	printf(e.out, "Database %s restored\n", name)
	return nil
}

func runDumpdbbackup(e *env, args []string) error {
	b, err := readBackup(args[0])
	if err != nil {
		return err
	}
	printf(e.out, "Dumping database %s from backup @ %s\n", b.Name, b.Timestamp.Local().Format(backupTime))
	for _, r := range b.Recs {
		dbfmt.WriteRec(e.out, r.Key, r.Header, r.Data)
	}
	printf(e.out, "Dumped %d record(s)\n", len(b.Recs))
	return nil
}

// tdbArg decodes a tstore/tfetch key or data: "0x..." is hex.
func tdbArg(s string) ([]byte, error) {
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("invalid hex string %q", s)
		}
		return b, nil
	}
	return []byte(s), nil
}

func runTstore(e *env, args []string) error {
	key, err := tdbArg(args[1])
	if err != nil {
		return failf("%v", err)
	}
	data, err := tdbArg(args[2])
	if err != nil {
		return failf("%v", err)
	}
	var h dbfmt.Header
	nums := []*uint64{&h.RSN, new(uint64), new(uint64)}
	for i, a := range args[3:] {
		if *nums[i], err = strconv.ParseUint(a, 0, 64); err != nil {
			return failf("Invalid number %q", a)
		}
	}
	h.DMaster, h.Flags = uint32(*nums[1]), uint32(*nums[2])
	return e.tdbStore(args[0], key, dbfmt.Value(h, data))
}

func runTfetch(e *env, args []string) error {
	key, err := tdbArg(args[1])
	if err != nil {
		return failf("%v", err)
	}
	v, ok, err := e.tdbFetch(args[0], key)
	if err != nil {
		return err
	}
	if !ok {
		return failf("No record for key %s", args[1])
	}
	if len(args) == 3 {
		if err := os.WriteFile(args[2], v, 0o600); err != nil {
			return failf("Failed to write %s: %v", args[2], err)
		}
		return nil
	}
	h, data, err := dbfmt.SplitValue(v)
	if err != nil {
		return failf("Bad record for key %s: %v", args[1], err)
	}
	printf(e.out, "dmaster: %d\nrsn: %d\nflags: 0x%08x\ndata(%d) = \"%s\"\n", h.DMaster, h.RSN, h.Flags, len(data), dbfmt.Escape(data))
	return nil
}
