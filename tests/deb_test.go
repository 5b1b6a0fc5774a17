package tests

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// debCacheDir keeps the clean Debian root between test runs as a tarball
// named by the day it was made, so debootstrap runs once a week per machine.
const debCacheDir = "/var/cache/ctdb-go-tests"

// cleanDebianRoot returns a fresh copy of a minimal Debian 12 root made by
// debootstrap (with iproute2, which the package depends on).
func cleanDebianRoot(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (debootstrap, chroot, namespaces)")
	}
	for _, c := range []string{"debootstrap", "unshare", "chroot", "dpkg-deb", "tar"} {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("%s not installed (tests/setup/machine.sh installs it)", c)
		}
	}
	if err := os.MkdirAll(debCacheDir, 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(filepath.Join(debCacheDir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	tarball := freshCachedRoot()
	if tarball == "" {
		tarball = filepath.Join(debCacheDir, "bookworm-minbase-"+time.Now().UTC().Format("20060102")+".tar")
		buildDebianRoot(t, tarball)
	}
	root := filepath.Join(t.TempDir(), "root")
	os.Mkdir(root, 0o755)
	if out, err := exec.Command("tar", "-C", root, "-xpf", tarball).CombinedOutput(); err != nil {
		t.Fatalf("unpack %s: %v\n%s", tarball, err, out)
	}
	return root
}

// debRootMaxAge is how long a cached root is used before debootstrap runs
// again (it takes 0.5-2.5 min here, a large part of make test's budget).
const debRootMaxAge = 7 * 24 * time.Hour

// freshCachedRoot returns the newest cached root if it is younger than
// debRootMaxAge, else "".
func freshCachedRoot() string {
	cached, _ := filepath.Glob(filepath.Join(debCacheDir, "bookworm-minbase-*.tar"))
	if len(cached) == 0 {
		return ""
	}
	newest := cached[len(cached)-1] // names sort by date
	day, err := time.Parse("20060102", strings.TrimSuffix(strings.TrimPrefix(filepath.Base(newest), "bookworm-minbase-"), ".tar"))
	if err != nil || time.Since(day) > debRootMaxAge {
		return ""
	}
	return newest
}

func buildDebianRoot(t *testing.T, tarball string) {
	t.Helper()
	dir, err := os.MkdirTemp(debCacheDir, "build-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "debootstrap", "--variant=minbase", "--include=iproute2", "bookworm", dir, "http://deb.debian.org/debian")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("debootstrap: %v\n%s", err, tail(string(out), 30))
	}
	t.Logf("debootstrap took %v", time.Since(t0).Round(time.Second))
	if out, err := exec.Command("tar", "-C", dir, "-cf", tarball+".tmp", ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	if err := os.Rename(tarball+".tmp", tarball); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(debCacheDir, "bookworm-minbase-*.tar"))
	for _, o := range old {
		if o != tarball {
			os.Remove(o)
		}
	}
}

// inRoot runs a shell script as root of the Debian root, in new mount, PID
// and network namespaces: /proc is mounted there only, every process it
// starts dies with it, and its loopback is its own. Nothing needs cleaning
// up on the host, even when the test fails.
func inRoot(t *testing.T, root, script string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "--mount", "--pid", "--net", "--fork", "--kill-child",
		"--propagation", "private", "chroot", root, "/bin/sh", "-c",
		"set -e; mount -t proc proc /proc; ip link set lo up\n"+script)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", "DEBIAN_FRONTEND=noninteractive"}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// The package installs with dpkg into a clean Debian 12, ctdbd starts there
// with the packaged configuration and scripts, and dpkg -r removes
// everything but the conffiles; dpkg -P those too.
func TestDebianPackageInstallsRunsAndRemoves(t *testing.T) {
	root := cleanDebianRoot(t)
	cmd := exec.Command("make", "deb", "BIN="+binDir)
	cmd.Dir = srcDir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make deb: %v\n%s", err, out)
	}
	// The package's path is the line that ends in .deb (under an outer
	// make, make[N] lines may follow it).
	var deb string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); strings.HasSuffix(l, ".deb") {
			deb = l
		}
	}
	for field, want := range map[string]string{"Package": "ctdb-go", "Conflicts": "ctdb", "Replaces": "ctdb"} {
		if got, _ := exec.Command("dpkg-deb", "-f", deb, field).Output(); strings.TrimSpace(string(got)) != want {
			t.Errorf("control field %s = %q, want %q", field, got, want)
		}
	}
	listing, err := exec.Command("dpkg-deb", "-c", deb).Output()
	if err != nil {
		t.Fatal(err)
	}
	conffiles, err := exec.Command("sh", "-c", "dpkg-deb --ctrl-tarfile \"$1\" | tar -xO ./conffiles", "sh", deb).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"/etc/ctdb/ctdb.conf", "/etc/ctdb/functions", "/etc/ctdb/script.options", "/etc/logrotate.d/ctdb"} {
		if !strings.Contains(string(conffiles), f+"\n") {
			t.Errorf("%s is not a conffile:\n%s", f, conffiles)
		}
	}
	b, err := os.ReadFile(deb)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "tmp/ctdb-go.deb"), b, 0o644)

	// A stand-in for Debian's ctdb, owning files that ctdb-go ships too:
	// dpkg must remove it in favour of ctdb-go (Conflicts + Replaces).
	fake := filepath.Join(root, "tmp/fake-ctdb")
	for f, body := range map[string]string{
		"DEBIAN/control": "Package: ctdb\nVersion: 2:4.17.12+dfsg-0+deb12u1\nArchitecture: all\n" +
			"Maintainer: Test <test@invalid.example>\nDescription: stand-in for Debian's ctdb\n",
		"DEBIAN/conffiles":   "/etc/ctdb/functions\n",
		"usr/bin/ctdb":       "#!/bin/sh\necho Debian ctdb\n",
		"etc/ctdb/functions": "# Debian's functions\n",
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(fake, f)), 0o755)
		os.WriteFile(filepath.Join(fake, f), []byte(body), 0o755)
	}
	if out, err := exec.Command("dpkg-deb", "--root-owner-group", "--build", fake, filepath.Join(root, "tmp/ctdb.deb")).CombinedOutput(); err != nil {
		t.Fatalf("build the stand-in ctdb package: %v\n%s", err, out)
	}

	// ctdb-go depends on libtdb1 (persistent databases), which a minbase
	// root lacks: fetch Debian's package, as apt would.
	dl := exec.Command("apt-get", "download", "libtdb1")
	dl.Dir = filepath.Join(root, "tmp")
	if out, err := dl.CombinedOutput(); err != nil {
		t.Fatalf("apt-get download libtdb1: %v\n%s", err, out)
	}

	t0 := time.Now()
	out2, err := inRoot(t, root, `
dpkg -i /tmp/ctdb.deb
dpkg -i /tmp/libtdb1_*.deb
dpkg -i /tmp/ctdb-go.deb
if [ "$(dpkg-query -W -f='${Status}' ctdb)" = "install ok installed" ]; then echo "ctdb still installed"; exit 1; fi
grep -q "^# Debian's functions" /etc/ctdb/functions && { echo "Debian's functions kept"; exit 1; }
dpkg -S /usr/bin/ctdb /etc/ctdb/functions
echo 127.0.0.1 >/etc/ctdb/nodes
printf '[logging]\n\tlog level = INFO\n' >>/etc/ctdb/ctdb.conf
ctdbd
echo "ctdbd started"
ctdb status
i=0
until ctdb event status | grep -q '^01.reclock  *OK'; do
	i=$((i+1)); [ $i -lt 300 ] || { echo "monitor never ran"; ctdb event status; exit 1; }
	sleep 0.1
done
ctdb event status
ctdb help status >/tmp/help.txt
pid=$(cat /run/ctdb/ctdbd.pid)
dpkg -r ctdb-go
if kill -0 "$pid" 2>/dev/null; then echo "ctdbd still runs after dpkg -r"; exit 1; fi
dpkg -s ctdb-go | grep '^Status:'
echo "done"
`)
	t.Logf("install, start, monitor, remove: %v", time.Since(t0).Round(100*time.Millisecond))
	if err != nil || !strings.HasSuffix(out2, "done\n") {
		t.Fatalf("in the Debian root: %v\n%s", err, out2)
	}
	for _, want := range []string{"Removing ctdb (2:4.17.12", "ctdb-go: /usr/bin/ctdb", "ctdb-go: /etc/ctdb/functions", "Number of nodes:1", "pnn:0 127.0.0.1        OK (THIS NODE)", "00.ctdb", "Status: deinstall ok config-files"} {
		if !strings.Contains(out2, want) {
			t.Errorf("output lacks %q:\n%s", want, out2)
		}
	}
	// Everything the package shipped is gone, except the conffiles.
	for _, l := range strings.Split(strings.TrimSpace(string(listing)), "\n") {
		f := strings.Fields(l)
		path := strings.TrimPrefix(f[len(f)-1], ".")
		if strings.HasSuffix(path, "/") || path == "" {
			continue
		}
		_, err := os.Lstat(filepath.Join(root, path))
		conf := strings.Contains(string(conffiles), path+"\n")
		if conf && err != nil {
			t.Errorf("conffile %s removed by dpkg -r", path)
		}
		if !conf && err == nil {
			t.Errorf("%s left behind by dpkg -r", path)
		}
	}
	for _, d := range []string{"etc/ctdb/events/legacy", "etc/ctdb/events.d"} {
		if _, err := os.Lstat(filepath.Join(root, d)); err == nil {
			t.Errorf("%s left behind by dpkg -r (its links pointed into the package)", d)
		}
	}
	if b, err := os.ReadFile(filepath.Join(root, "var/log/ctdb/log.ctdb")); err != nil || !strings.Contains(string(b), "ctdbd[") {
		t.Errorf("no log in CTDB's default place /var/log/ctdb/log.ctdb: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "tmp/help.txt")); !strings.HasPrefix(string(b), "status\n") {
		t.Errorf("ctdb help status in the root: %q", b)
	}

	out3, err := inRoot(t, root, "dpkg -P ctdb-go; dpkg -s ctdb-go 2>&1 || true")
	if err != nil || !strings.Contains(out3, "is not installed") {
		t.Fatalf("dpkg -P: %v\n%s", err, out3)
	}
	// The nodes file is the operator's, not the package's: purge keeps it.
	if left, _ := filepath.Glob(filepath.Join(root, "etc/ctdb/*")); len(left) != 1 || filepath.Base(left[0]) != "nodes" {
		t.Errorf("after dpkg -P /etc/ctdb holds %v, want only the operator's nodes file", left)
	}
	for _, d := range []string{"etc/ctdb/ctdb.conf", "var/log/ctdb", "var/lib/ctdb", "etc/logrotate.d/ctdb"} {
		if _, err := os.Lstat(filepath.Join(root, d)); err == nil {
			left, _ := exec.Command("find", filepath.Join(root, d)).Output()
			t.Errorf("%s left behind by dpkg -P:\n%s", d, left)
		}
	}
	if t.Failed() {
		t.Logf("in the root:\n%s\n%s", out2, out3)
	}
}
