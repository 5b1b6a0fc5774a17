package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// make install honours DESTDIR and PREFIX, lays the scripts out as CTDB
// 4.x does (packaged in PREFIX/share/ctdb/events/legacy, enabled by
// symlinks in /etc/ctdb/events/legacy), and the installed ctdbd finds its
// helpers in PREFIX/libexec/ctdb and runs the installed eventscripts.
func TestMakeInstallLayoutRuns(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not installed")
	}
	dest := t.TempDir()
	cmd := exec.Command("make", "install", "PREFIX=/usr", "DESTDIR="+dest, "BIN="+binDir)
	cmd.Dir = srcDir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	for _, f := range []string{"usr/sbin/ctdbd", "usr/bin/ctdb", "usr/libexec/ctdb/ctdb_probe", "usr/libexec/ctdb/ctdb_etcd_lock",
		"etc/ctdb/functions", "etc/ctdb/ctdb.conf", "etc/ctdb/ctdb.conf.sample", "etc/ctdb/notify.sh",
		"usr/libexec/ctdb/ctdb-config", "usr/libexec/ctdb/ctdb-path",
		"usr/share/ctdb/events/legacy/01.reclock.script", "etc/ctdb/events/legacy/01.reclock.script",
		"usr/bin/onnode", "usr/share/man/man1/ctdb.1", "usr/share/man/man5/ctdb.conf.5", "usr/share/man/man7/ctdb-tunables.7"} {
		if _, err := os.Stat(filepath.Join(dest, f)); err != nil {
			t.Errorf("not installed: %s", f)
		}
	}
	link, err := os.Readlink(filepath.Join(dest, "etc/ctdb/events/legacy/01.reclock.script"))
	if err != nil || link != "../../../../usr/share/ctdb/events/legacy/01.reclock.script" {
		t.Errorf("events/legacy/01.reclock.script links to %q (%v)", link, err)
	}
	etc := filepath.Join(dest, "etc", "ctdb")
	run := filepath.Join(dest, "run")
	os.WriteFile(filepath.Join(etc, "nodes"), []byte("127.0.0.1\n"), 0o644)
	os.WriteFile(filepath.Join(etc, "ctdb.conf"), []byte("[cluster]\n\tnode address = 127.0.0.1\n\ttransport port = "+strconv.Itoa(freePort(t))+"\n[paths]\n\trun directory = "+run+"\n\tstate directory = "+filepath.Join(dest, "var")+"\n"), 0o644)
	env := append(os.Environ(), "CTDB_BASE="+etc, "CTDB_SOCKET="+filepath.Join(run, "ctdbd.socket"),
		"CTDB_DATADIR="+filepath.Join(dest, "usr/share/ctdb"))
	d := exec.Command(filepath.Join(dest, "usr/sbin/ctdbd"), "--interactive")
	d.Env = env
	var log strings.Builder
	d.Stderr = &log
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		d.Process.Kill()
		d.Wait()
		if t.Failed() {
			t.Logf("ctdbd log:\n%s", log.String())
		}
	}()
	tool := func(args ...string) string {
		c := exec.Command(filepath.Join(dest, "usr/bin/ctdb"), args...)
		c.Env = env
		out, _ := c.CombinedOutput()
		return string(out)
	}
	eventually(t, 30e9, func() string {
		if out := tool("scriptstatus"); !strings.Contains(out, "01.reclock           OK") {
			return out
		}
		return ""
	})
	// The service scripts are installed but not enabled, as in CTDB.
	if out := tool("event", "script", "list", "legacy"); out != "* 00.ctdb\n* 01.reclock\n* 05.system\n  06.nfs\n* 10.interface\n  49.winbind\n  50.samba\n  60.nfs\n" {
		t.Errorf("event script list:\n%s", out)
	}
}

// make install warns before it writes over a file that a Debian package
// owns. DESTDIR holds a dpkg database in which "ctdb" owns /usr/bin/ctdb and
// /etc/ctdb/functions, as Debian's CTDB does.
func TestMakeInstallWarnsAboutPackagedFiles(t *testing.T) {
	for _, c := range []string{"make", "dpkg-query"} {
		if _, err := exec.LookPath(c); err != nil {
			t.Skip(c + " not installed")
		}
	}
	dest := t.TempDir()
	admin := filepath.Join(dest, "var/lib/dpkg")
	files := map[string]string{
		"var/lib/dpkg/status": "Package: ctdb\nStatus: install ok installed\nPriority: optional\nSection: net\n" +
			"Maintainer: Test <test@example.org>\nArchitecture: amd64\nVersion: 2:4.17.12\nDescription: test\n\n",
		"var/lib/dpkg/info/ctdb.list": "/.\n/usr\n/usr/bin\n/usr/bin/ctdb\n/etc/ctdb/functions\n/usr/bin/ping_pong\n",
		"usr/bin/ctdb":                "packaged\n",
		"etc/ctdb/functions":          "packaged\n",
	}
	os.MkdirAll(filepath.Join(admin, "updates"), 0o755)
	for f, body := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dest, f)), 0o755)
		if err := os.WriteFile(filepath.Join(dest, f), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("make", "install", "PREFIX=/usr", "DESTDIR="+dest, "BIN="+binDir)
	cmd.Dir = srcDir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	for _, f := range []string{"/usr/bin/ctdb", "/etc/ctdb/functions"} {
		if !strings.Contains(string(out), "warning: "+f+" belongs to the Debian package ctdb") {
			t.Errorf("no warning about %s:\n%s", f, out)
		}
	}
	if n := strings.Count(string(out), "warning:"); n != 2 {
		t.Errorf("%d warnings, want 2 (files the package owns but make install does not write, or that do not exist yet, are not named):\n%s", n, out)
	}
}
