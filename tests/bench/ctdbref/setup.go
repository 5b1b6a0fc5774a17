package ctdbref

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ctdb-go/ctdb/tests/harness"
)

// hostServices is the file copied (less its ctdb entries) for a
// non-default port.
var hostServices = "/etc/services"

// writeCluster writes the shared files and every node's directory.
func writeCluster(s settings) error {
	l := layout{s.base}
	if err := os.MkdirAll(filepath.Dir(s.reclock), 0o755); err != nil {
		return fmt.Errorf("cluster lock directory: %w", err)
	}
	if !s.testMode {
		// The mount point for node run directories; systemd or the init
		// script would create it. Nothing is mounted on the host's.
		if err := os.MkdirAll(runDir, 0o755); err != nil {
			return err
		}
	}
	if s.needsServices() {
		host, err := os.ReadFile(hostServices)
		if err != nil && !os.IsNotExist(err) {
			return err
		}
		if err := os.WriteFile(l.services(), []byte(servicesText(string(host), s.port)), 0o644); err != nil {
			return err
		}
	}
	for i := 0; i < s.nodes; i++ {
		if err := writeNode(s, i); err != nil {
			return fmt.Errorf("node %d: %w", i, err)
		}
	}
	return nil
}

// writeNode makes node i's CTDB_BASE.
func writeNode(s settings, i int) error {
	l := layout{s.base}
	dir := l.node(i)
	for _, d := range []string{l.events(i), filepath.Join(dir, "events", "notification"),
		filepath.Join(dir, "run"), l.scriptVar(i), l.sysEtc(i),
		l.db(i, "volatile"), l.db(i, "persistent"), l.db(i, "state")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	files := map[string]string{
		"ctdb.conf":     confText(s, i),
		"nodes":         nodesText(s.addrs),
		"ctdb.tunables": tunablesText(s.tunables),
	}
	if s.public != "" {
		files["public_addresses"] = s.public
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	// Copies, not links: outside test mode this directory is mounted on
	// /etc/ctdb, where a link to /etc/ctdb/functions would point at itself.
	for src, mode := range map[string]os.FileMode{functions: 0o644, notifyHook: 0o755} {
		if err := harness.CopyFile(src, filepath.Join(dir, filepath.Base(src)), mode); err != nil {
			return err
		}
	}
	links := map[string]string{}
	for _, name := range packagedScripts(s) {
		links[filepath.Join(l.events(i), name+".script")] = filepath.Join(scriptDir, name+".script")
	}
	for at, target := range links {
		if err := relink(target, at); err != nil {
			return err
		}
	}
	for k := 0; k < s.trivial; k++ {
		if err := writeExecutable(filepath.Join(l.events(i), trivialName(k)), trivialScript); err != nil {
			return err
		}
	}
	return nil
}

// relink makes at a symbolic link to target, replacing what was there.
func relink(target, at string) error {
	if err := os.Remove(at); err != nil && !os.IsNotExist(err) {
		return err
	}
	return os.Symlink(target, at)
}

// writeExecutable writes an executable file (mode set even under a umask).
func writeExecutable(path, text string) error {
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		return err
	}
	return os.Chmod(path, 0o755)
}
