package eventd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// layoutHarness is a Runner over CTDB 4.x's layout: base/events/legacy
// (scripts NN.name.script), base/events.d (old layout) and a data
// directory of packaged scripts.
type layoutHarness struct {
	*harness
	legacy, data string
}

func newLayoutHarness(t *testing.T) *layoutHarness {
	t.Helper()
	lh := &layoutHarness{}
	h := newHarness(t, func(c *Config) {
		base := filepath.Dir(c.Dir)
		lh.legacy = filepath.Join(base, "events", "legacy")
		lh.data = filepath.Join(base, "share", "events", "legacy")
		for _, d := range []string{lh.legacy, lh.data} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		c.LegacyDir, c.DataDir = lh.legacy, lh.data
	})
	lh.harness = h
	return lh
}

// packaged writes an executable packaged script NAME.script.
func (lh *layoutHarness) packaged(name, body string) string {
	p := filepath.Join(lh.data, name+ScriptSuffix)
	writeAtomic(lh.t, p, preamble+body+"\n", 0o755)
	return p
}

// link enables a packaged script the CTDB 4.x way.
func (lh *layoutHarness) link(name string) {
	lh.t.Helper()
	if err := os.Symlink(filepath.Join(lh.data, name+ScriptSuffix), filepath.Join(lh.legacy, name+ScriptSuffix)); err != nil {
		lh.t.Fatal(err)
	}
}

func (lh *layoutHarness) listing() string {
	lh.t.Helper()
	l, err := lh.r.ListScriptsCTDB()
	if err != nil {
		lh.t.Fatal(err)
	}
	return fmt.Sprint(l.Packaged, l.Local)
}

func TestLayout_LegacyScriptsRunWithEventsD(t *testing.T) {
	lh := newLayoutHarness(t)
	lh.packaged("00.ctdb", `echo "ctdb $1"`)
	lh.packaged("05.system", `true`)
	lh.link("00.ctdb")
	writeAtomic(t, filepath.Join(lh.legacy, "10.local.script"), preamble+"true\n", 0o755)
	lh.script("20.old", `true`)
	// Same name in both directories: events/legacy wins.
	writeAtomic(t, filepath.Join(lh.legacy, "30.dup.script"), preamble+"true\n", 0o755)
	lh.script("30.dup", `exit 1`)

	res := lh.mustRun("monitor", 5*time.Second)
	if got := summary(res); got != "00.ctdb=OK 10.local=OK 20.old=OK 30.dup=OK" {
		t.Errorf("monitor ran %q", got)
	}
	if res.Scripts[0].Output != "ctdb monitor\n" {
		t.Errorf("00.ctdb output %q", res.Scripts[0].Output)
	}
	want := "Script 30.dup in " + lh.dir + " is hidden by 30.dup.script in " + lh.legacy + " and does not run"
	if w := lh.r.LayoutWarnings(); len(w) != 1 || w[0] != want {
		t.Errorf("warnings = %q, want only %q", w, want)
	}
}

func TestLayout_ListAsCTDB(t *testing.T) {
	lh := newLayoutHarness(t)
	lh.packaged("00.ctdb", `true`)
	lh.packaged("05.system", `true`)
	lh.packaged("10.interface", `true`)
	lh.link("00.ctdb")
	lh.link("10.interface")
	writeAtomic(t, filepath.Join(lh.legacy, "50.mine.script"), preamble+"true\n", 0o644)
	lh.script("60.old", `true`)

	want := "[{00.ctdb true} {05.system false} {10.interface true}] [{50.mine false} {60.old true}]"
	if got := lh.listing(); got != want {
		t.Errorf("listing\n got %s\nwant %s", got, want)
	}
}

func TestLayout_EnableLinksAPackagedScript(t *testing.T) {
	lh := newLayoutHarness(t)
	pkg := lh.packaged("05.system", `true`)

	if err := lh.r.EnableScript("05.system"); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(lh.legacy, "05.system.script")
	if target, err := os.Readlink(link); err != nil || target != pkg {
		t.Fatalf("after enable: readlink = %q, %v; want %q", target, err, pkg)
	}
	if got := summary(lh.mustRun("monitor", 5*time.Second)); got != "05.system=OK" {
		t.Errorf("monitor after enable: %q", got)
	}
	// Enabling again leaves the link alone.
	if err := lh.r.EnableScript("05.system"); err != nil {
		t.Errorf("second enable: %v", err)
	}
	if !strings.Contains(lh.listing(), "{05.system true}") {
		t.Errorf("listing after enable: %s", lh.listing())
	}
}

func TestLayout_EnableCreatesTheLegacyDirectory(t *testing.T) {
	lh := newLayoutHarness(t)
	lh.packaged("00.ctdb", `true`)
	if err := os.Remove(lh.legacy); err != nil {
		t.Fatal(err)
	}
	if err := lh.r.EnableScript("00.ctdb"); err != nil {
		t.Fatal(err)
	}
	if got := summary(lh.mustRun("monitor", 5*time.Second)); got != "00.ctdb=OK" {
		t.Errorf("monitor after enable: %q", got)
	}
}

func TestLayout_DisableRemovesTheLinkNotTheTarget(t *testing.T) {
	lh := newLayoutHarness(t)
	pkg := lh.packaged("00.ctdb", `true`)
	lh.link("00.ctdb")

	if err := lh.r.DisableScript("00.ctdb"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(lh.legacy, "00.ctdb.script")); !os.IsNotExist(err) {
		t.Errorf("symlink still there after disable: %v", err)
	}
	if mode := fileMode(t, pkg); mode != 0o755 {
		t.Errorf("packaged target mode after disable = %o, want 755 untouched", mode)
	}
	if got := summary(lh.mustRun("monitor", 5*time.Second)); got != "" {
		t.Errorf("monitor after disable ran %q", got)
	}
	if !strings.Contains(lh.listing(), "{00.ctdb false}") {
		t.Errorf("listing after disable: %s", lh.listing())
	}
	// Disabling a script that is only packaged is a no-op, as in CTDB.
	if err := lh.r.DisableScript("00.ctdb"); err != nil {
		t.Errorf("second disable: %v", err)
	}
}

func TestLayout_RegularFilesAreChmodded(t *testing.T) {
	lh := newLayoutHarness(t)
	p := filepath.Join(lh.legacy, "50.mine.script")
	writeAtomic(t, p, preamble+"true\n", 0o750)

	if err := lh.r.DisableScript("50.mine"); err != nil {
		t.Fatal(err)
	}
	if mode := fileMode(t, p); mode != 0o640 {
		t.Errorf("mode after disable = %o, want 640", mode)
	}
	if got := summary(lh.mustRun("monitor", 5*time.Second)); got != "50.mine=DISABLED" {
		t.Errorf("monitor after disable: %q", got)
	}
	if err := lh.r.EnableScript("50.mine"); err != nil {
		t.Fatal(err)
	}
	if mode := fileMode(t, p); mode != 0o751 {
		t.Errorf("mode after enable = %o, want 751", mode)
	}
}

func TestLayout_EnableUnknownScript(t *testing.T) {
	lh := newLayoutHarness(t)
	for _, f := range []func(string) error{lh.r.EnableScript, lh.r.DisableScript} {
		if err := f("99.nothing"); !errors.Is(err, ErrNoScript) {
			t.Errorf("err = %v, want ErrNoScript", err)
		}
	}
}

func TestLayout_WarningsNameTheDirectory(t *testing.T) {
	lh := newLayoutHarness(t)
	// CTDB-style names in events.d and old-style names in events/legacy
	// never run.
	writeAtomic(t, filepath.Join(lh.dir, "00.ctdb.script"), "#!/bin/sh\n", 0o755)
	writeAtomic(t, filepath.Join(lh.legacy, "01.reclock"), "#!/bin/sh\n", 0o755)
	writeAtomic(t, filepath.Join(lh.legacy, "01.reclock.options"), "X=1\n", 0o644)
	writeAtomic(t, filepath.Join(lh.dir, "README"), "x\n", 0o644)

	w := strings.Join(lh.r.LayoutWarnings(), "\n")
	for _, want := range []string{
		"Script directory " + lh.dir + " holds files that never run, because scripts there must be named NN.name: 00.ctdb.script",
		"Script directory " + lh.legacy + " holds files that never run, because scripts there must be named NN.name.script: 01.reclock\n",
		"No enabled event script in " + lh.legacy + " or " + lh.dir,
	} {
		if !strings.Contains(w+"\n", want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
	if strings.Contains(w, "README") || strings.Contains(w, ".options") {
		t.Errorf("warnings name files that are not scripts:\n%s", w)
	}

	lh.link2("00.ctdb")
	if w := lh.r.LayoutWarnings(); strings.Contains(strings.Join(w, "\n"), "No enabled event script") {
		t.Errorf("no-script warning with an enabled script: %q", w)
	}
}

// link2 packages and links a script.
func (lh *layoutHarness) link2(name string) {
	lh.packaged(name, "true")
	lh.link(name)
}

func TestLayout_NoScriptDirectoryAtAll(t *testing.T) {
	base := t.TempDir()
	r, err := New(Config{Dir: filepath.Join(base, "events.d"), LegacyDir: filepath.Join(base, "events", "legacy")})
	if err != nil {
		t.Fatalf("New without any script directory: %v", err)
	}
	defer r.Close()
	if w := r.LayoutWarnings(); len(w) != 1 || !strings.Contains(w[0], "No enabled event script") {
		t.Errorf("warnings = %q", w)
	}
}

func TestLayout_DanglingSymlinkIsWarned(t *testing.T) {
	lh := newLayoutHarness(t)
	lh.link2("00.ctdb")
	gone := filepath.Join(lh.data, "50.samba.script")
	if err := os.Symlink(gone, filepath.Join(lh.legacy, "50.samba.script")); err != nil {
		t.Fatal(err)
	}
	want := "Script 50.samba.script in " + lh.legacy + " is a symlink to " + gone + ", which does not exist: it does not run"
	if w := lh.r.LayoutWarnings(); len(w) != 1 || w[0] != want {
		t.Errorf("warnings = %q, want only %q", w, want)
	}
	if got := summary(lh.mustRun("monitor", 5*time.Second)); got != "00.ctdb=OK 50.samba=DISABLED" {
		t.Errorf("monitor ran %q", got)
	}
}
