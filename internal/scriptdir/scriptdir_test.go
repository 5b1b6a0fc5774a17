package scriptdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// layoutIn makes base/etc/events/legacy, base/etc/events.d and
// base/share/events/legacy with the packaged scripts names.
func layoutIn(t *testing.T, names ...string) Layout {
	t.Helper()
	base := t.TempDir()
	l := Layout{
		Legacy: filepath.Join(base, "etc", "events", "legacy"),
		Old:    filepath.Join(base, "etc", "events.d"),
		Data:   filepath.Join(base, "share", "events", "legacy"),
	}
	for _, d := range []string{l.Legacy, l.Old, l.Data} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(l.Data, n+Suffix), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func listing(t *testing.T, l Layout) string {
	t.Helper()
	got, err := l.List()
	if err != nil {
		t.Fatal(err)
	}
	var p, o []string
	for _, s := range got.Packaged {
		p = append(p, fmt.Sprintf("%s=%v", s.Name, s.Enabled))
	}
	for _, s := range got.Local {
		o = append(o, fmt.Sprintf("%s=%v", s.Name, s.Enabled))
	}
	return fmt.Sprint(p, o)
}

// make install links with relative paths; they count as linked too.
func TestList_RelativeAndAbsoluteLinks(t *testing.T) {
	l := layoutIn(t, "00.ctdb", "01.reclock", "05.system")
	if err := os.Symlink("../../../share/events/legacy/00.ctdb.script", filepath.Join(l.Legacy, "00.ctdb.script")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(l.Data, "05.system.script"), filepath.Join(l.Legacy, "05.system.script")); err != nil {
		t.Fatal(err)
	}
	// A link to something else is the node's own script.
	own := filepath.Join(t.TempDir(), "01.reclock.script")
	if err := os.WriteFile(own, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(own, filepath.Join(l.Legacy, "01.reclock.script")); err != nil {
		t.Fatal(err)
	}
	if got, want := listing(t, l), "[00.ctdb=true 01.reclock=false 05.system=true] [01.reclock=true]"; got != want {
		t.Errorf("listing %s, want %s", got, want)
	}
}

func TestSetEnabled(t *testing.T) {
	l := layoutIn(t, "05.system")
	old := filepath.Join(l.Old, "60.old")
	if err := os.WriteFile(old, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		on   bool
		want string
	}{
		{"05.system", true, "[05.system=true] [60.old=true]"},
		{"05.system", true, "[05.system=true] [60.old=true]"}, // a link is left alone
		{"60.old", false, "[05.system=true] [60.old=false]"},
		{"05.system", false, "[05.system=false] [60.old=false]"},
		{"05.system", false, "[05.system=false] [60.old=false]"}, // only packaged: no-op
		{"60.old", true, "[05.system=false] [60.old=true]"},
	}
	for i, s := range steps {
		if err := l.SetEnabled(s.name, s.on); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := listing(t, l); got != s.want {
			t.Errorf("step %d (%s %v): %s, want %s", i, s.name, s.on, got, s.want)
		}
	}
	if fi, _ := os.Stat(old); fi.Mode().Perm() != 0o711 {
		t.Errorf("60.old mode %o, want 711", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(filepath.Join(l.Data, "05.system.script")); fi.Mode().Perm() != 0o755 {
		t.Errorf("packaged 05.system mode %o, want 755 untouched", fi.Mode().Perm())
	}
	if err := l.SetEnabled("99.none", true); !errors.Is(err, ErrNoScript) {
		t.Errorf("unknown: %v", err)
	}
	if err := l.SetEnabled("../x", true); err == nil {
		t.Error("invalid name accepted")
	}
	dir := filepath.Join(l.Legacy, "70.dir.script")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var nf *NotScriptFileError
	if err := l.SetEnabled("70.dir", false); !errors.As(err, &nf) || err.Error() != "Script "+dir+" is not a file or a link" {
		t.Errorf("directory: %v", err)
	}
}
