package probe

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
)

// Op is a probe operation.
type Op string

const (
	OpStat   Op = "stat"
	OpStatfs Op = "statfs"
)

// ParseOp accepts "stat" or "statfs".
func ParseOp(s string) (Op, error) {
	switch Op(s) {
	case OpStat, OpStatfs:
		return Op(s), nil
	}
	return "", fmt.Errorf("unknown probe operation %q (want stat or statfs)", s)
}

// CleanPath checks that path is absolute and cleans it lexically. Relative
// paths are refused: resolving them would need the caller's cwd, which may
// itself be on the hung filesystem, and the worker runs in "/".
func CleanPath(path string) (string, error) {
	if !filepath.IsAbs(path) {
		return "", errors.New("path must be absolute")
	}
	return filepath.Clean(path), nil
}

// stateFiles names the files of one (op, path) key in the state directory.
type stateFiles struct {
	lock, pid, result string
}

func filesFor(stateDir string, op Op, path string) stateFiles {
	sum := sha256.Sum256([]byte(string(op) + "\x00" + path))
	base := filepath.Join(stateDir, string(op)+"-"+hex.EncodeToString(sum[:10]))
	return stateFiles{lock: base + ".lock", pid: base + ".pid", result: base + ".result"}
}
