package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// make install honours DESTDIR and PREFIX, and the installed ctdbd finds its
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
	for _, f := range []string{"usr/sbin/ctdbd", "usr/bin/ctdb", "usr/libexec/ctdb/ctdb_probe",
		"etc/ctdb/functions", "etc/ctdb/events.d/01.reclock", "etc/ctdb/ctdb.conf", "etc/ctdb/ctdb.conf.sample"} {
		if _, err := os.Stat(filepath.Join(dest, f)); err != nil {
			t.Errorf("not installed: %s", f)
		}
	}
	etc := filepath.Join(dest, "etc", "ctdb")
	run := filepath.Join(dest, "run")
	os.WriteFile(filepath.Join(etc, "nodes"), []byte("127.0.0.1\n"), 0o644)
	os.WriteFile(filepath.Join(etc, "ctdb.conf"), []byte("[cluster]\n\tnode address = 127.0.0.1\n\ttransport port = "+fmt.Sprint(freePort(t))+"\n[paths]\n\trun directory = "+run+"\n\tstate directory = "+filepath.Join(dest, "var")+"\n"), 0o644)
	env := append(os.Environ(), "CTDB_BASE="+etc, "CTDB_SOCKET="+filepath.Join(run, "ctdbd.socket"))
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
}
