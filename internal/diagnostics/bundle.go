package diagnostics

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path"
	"time"
)

// bundle is the archive being written: files under one top directory.
type bundle struct {
	top   string
	mtime time.Time
	tw    *tar.Writer
	gz    *gzip.Writer
	f     *os.File
}

func createBundle(file, top string, mtime time.Time) (*bundle, error) {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	gz := gzip.NewWriter(f)
	return &bundle{top: top, mtime: mtime, tw: tar.NewWriter(gz), gz: gz, f: f}, nil
}

// add writes one file; every file is masked for secrets first.
func (b *bundle) add(name string, data []byte) error {
	data = maskSecrets(data)
	h := &tar.Header{Name: path.Join(b.top, name), Mode: 0o600, Size: int64(len(data)), ModTime: b.mtime, Typeflag: tar.TypeReg}
	if err := b.tw.WriteHeader(h); err != nil {
		return err
	}
	_, err := b.tw.Write(data)
	return err
}

func (b *bundle) close() error {
	err := b.tw.Close()
	if e := b.gz.Close(); err == nil {
		err = e
	}
	if e := b.f.Close(); err == nil {
		err = e
	}
	return err
}

// nodeDir is a node's directory in the bundle.
func nodeDir(n nodeResult) string {
	if n.target.PNN < 0 {
		return "node-" + n.target.Addr
	}
	return fmt.Sprintf("node%d-%s", n.target.PNN, n.target.Addr)
}

// addNode writes what one node gave: etc/FILE for the configuration, one
// file per command (with its exit status when it failed), and the log cut
// to the window.
func (b *bundle) addNode(n nodeResult, since time.Time) error {
	dir := nodeDir(n)
	if n.err != nil {
		return b.add(path.Join(dir, "UNREACHABLE"), []byte(n.err.Error()+"\n"))
	}
	for _, f := range configFiles {
		it := n.items["file:"+f]
		if it.missing {
			continue
		}
		if err := b.add(path.Join(dir, "etc", f), it.data); err != nil {
			return err
		}
	}
	for _, c := range commands {
		it, ok := n.items["cmd:"+c.name]
		if !ok {
			continue
		}
		data := it.data
		if c.name == "log.ctdb" {
			data = logSection(data, since)
		}
		if it.exit != 0 {
			data = append(append([]byte{}, data...), fmt.Sprintf("\n[exit status %d]\n", it.exit)...)
		}
		if err := b.add(path.Join(dir, c.name+".txt"), data); err != nil {
			return err
		}
	}
	return nil
}

// logSection is the log command's output: the file name on the first line,
// then the log, of which the window is kept. Output that is not a log (tail's
// error about a missing file) is kept as it is.
func logSection(data []byte, since time.Time) []byte {
	name, log, _ := bytes.Cut(data, []byte("\n"))
	head := []byte(fmt.Sprintf("# %s since %s\n", name, since.Format(time.RFC3339)))
	if _, ok := lineTime(log); !ok && len(log) > 0 {
		return append(head, log[:min(len(log), 4096)]...)
	}
	return append(head, logWindow(log, since)...)
}
