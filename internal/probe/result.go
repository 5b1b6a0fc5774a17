package probe

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// Result is one worker's answer, as stored in KEY.result.
type Result struct {
	Token    string        `json:"token"` // identifies the worker run
	Op       Op            `json:"op"`
	Path     string        `json:"path"`
	Pid      int           `json:"pid"`
	Started  time.Time     `json:"started"`
	Finished time.Time     `json:"finished"`
	Errno    syscall.Errno `json:"errno,omitempty"`
	ErrText  string        `json:"error,omitempty"` // empty on success
	Stat     *StatInfo     `json:"stat,omitempty"`
	Statfs   *StatfsInfo   `json:"statfs,omitempty"`
}

// Err returns the filesystem error the worker got, or nil.
func (r *Result) Err() error {
	if r.ErrText == "" && r.Errno == 0 {
		return nil
	}
	text := r.ErrText
	if text == "" {
		text = r.Errno.Error()
	}
	return &FSError{Op: r.Op, Path: r.Path, Errno: r.Errno, Text: text}
}

// StatInfo is the part of stat(2) the probe reports.
type StatInfo struct {
	Type  string    `json:"type"` // regular, directory, symlink, fifo, socket, char-device, block-device
	Size  int64     `json:"size"`
	Inode uint64    `json:"inode"`
	Mtime time.Time `json:"mtime"`
}

// StatfsInfo is the part of statfs(2) the probe reports; counts are in
// units of Frsize bytes (Bsize when Frsize is 0).
type StatfsInfo struct {
	Type   int64  `json:"type"`
	Bsize  int64  `json:"bsize"`
	Frsize int64  `json:"frsize"`
	Blocks uint64 `json:"blocks"`
	Bfree  uint64 `json:"bfree"`
	Bavail uint64 `json:"bavail"`
	Files  uint64 `json:"files"`
	Ffree  uint64 `json:"ffree"`
}

// writeFileAtomic writes data to a temp file beside path and renames it over
// path, so readers see the old or the new content, never a partial one.
func writeFileAtomic(path string, data []byte) error {
	tmp := fmt.Sprintf("%s.tmp.%d", path, os.Getpid())
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

func writeJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(data, '\n'))
}

// readJSON reads path into v. It returns (false, nil) when path is missing.
func readJSON(path string, v any) (bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("%s: corrupt state file: %w", path, err)
	}
	return true, nil
}

// readResult returns the stored result, or nil if there is none.
func readResult(path string) (*Result, error) {
	var r Result
	ok, err := readJSON(path, &r)
	if !ok || err != nil {
		return nil, err
	}
	return &r, nil
}
