package cli

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os/exec"
	"strings"

	"github.com/ctdb-go/ctdb/internal/helperbin"
)

// runTDBHelper runs "ctdb_tdb_helper OP FILE HEXKEY" (helperbin.TDBHelper) with stdin, and
// returns its stdout and exit code; a failure comes back as its message.
func (e *env) runTDBHelper(op, path string, key []byte, stdin []byte) ([]byte, int, error) {
	cmd := exec.CommandContext(e.ctx, helperbin.Path(e.getenv, helperbin.TDBHelper), op, path, hex.EncodeToString(key))
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.Bytes(), 0, nil
	case errors.As(err, &exit) && exit.ExitCode() == helperbin.TDBNoRecord && op == "fetch":
		return nil, helperbin.TDBNoRecord, nil
	case errors.As(err, &exit) && errb.Len() > 0:
		return nil, exit.ExitCode(), failf("%s", strings.TrimSpace(errb.String()))
	default:
		return nil, -1, failf("Failed to run %s: %v", cmd.Path, err)
	}
}

// tdbStore and tdbFetch are tstore and tfetch on a TDB file: the file
// must exist (TDB's locks make it safe while ctdbd has it open).
func (e *env) tdbStore(path string, key, value []byte) error {
	_, _, err := e.runTDBHelper("store", path, key, value)
	return err
}

func (e *env) tdbFetch(path string, key []byte) ([]byte, bool, error) {
	v, code, err := e.runTDBHelper("fetch", path, key, nil)
	if err != nil || code == helperbin.TDBNoRecord {
		return nil, false, err
	}
	return v, true, nil
}
