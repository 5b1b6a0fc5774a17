package tests

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// readBundle returns the files of a .tar.gz by their path below the top
// directory.
func readBundle(t *testing.T, file string) map[string]string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	files := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		_, rel, _ := strings.Cut(h.Name, "/")
		files[rel] = string(b)
	}
	return files
}

// ctdb_diagnostics on a 3-node cluster whose node 2 lists one more public
// address: the bundle holds every node's files and command outputs, the
// report names the difference, and secrets are masked.
func TestDiagnosticsBundleNamesDifferentFile(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	c := opsCluster(t)
	for i := 0; i < 3; i++ {
		pa := "10.99.0.1/24 eth0\n10.99.0.2/24 eth0\n"
		if i == 2 {
			pa += "10.99.0.3/24 eth0\n"
		}
		os.WriteFile(filepath.Join(c.ConfigDir(i), "public_addresses"), []byte(pa), 0o644)
		os.WriteFile(filepath.Join(c.ConfigDir(i), "script.options"), []byte("CTDB_SAMBA_PASSWORD=topsecret\n"), 0o644)
	}
	sshDir, log := fakeSSH(t, clusterHosts(c))
	env := envWith(c.Env(0), "PATH="+sshDir+":"+binDir+":"+os.Getenv("PATH"), "ONNODE_SSH=", "CTDB_NODES_FILE=")
	out := filepath.Join(t.TempDir(), "bundle.tar.gz")

	r := runDiagnostics(t, env, "--no-ads", "-o", out)
	if r.code != 0 {
		t.Fatalf("ctdb_diagnostics: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if h := strings.Join(loggedHosts(t, log), " "); h != "127.0.0.1 127.0.0.2 127.0.0.3" && len(strings.Fields(h)) != 3 {
		t.Errorf("ssh reached %q, want the 3 nodes", h)
	}
	files := readBundle(t, out)
	report := files["REPORT.txt"]
	if !strings.Contains(report, "DIFFERENCE: public_addresses differs: node 2 (127.0.0.3) against node 0 (127.0.0.1)") ||
		!strings.Contains(report, "+10.99.0.3/24 eth0") {
		t.Errorf("the report does not name the difference:\n%s", report)
	}
	// ctdb.conf differs too: each local node has its own paths and address.
	for _, same := range []string{"nodes differs", "script.options differs", "ctdb.tunables differs", "could not be reached"} {
		if strings.Contains(report, same) {
			t.Errorf("the report says %q:\n%s", same, report)
		}
	}
	if !strings.Contains(r.stdout, "public_addresses differs") || !strings.Contains(r.stdout, "Archive: "+out) {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	for i := 0; i < 3; i++ {
		dir := "node" + string(rune('0'+i)) + "-" + c.NodeAddr(i) + "/"
		checks := map[string]string{
			"etc/public_addresses":   "10.99.0.2/24 eth0",
			"etc/nodes":              "127.0.0.3",
			"etc/ctdb.conf":          "[cluster]",
			"etc/script.options":     "CTDB_SAMBA_PASSWORD=********",
			"ctdb_status.txt":        "Number of nodes:3",
			"ctdb_ip.txt":            "Public IPs on node " + string(rune('0'+i)),
			"ctdb_event_status.txt":  "", // "never run" or the scripts, by timing
			"ctdb_event_scripts.txt": "00.ctdb",
			"ctdb_listvars.txt":      "MonitorInterval",
			"cluster_lock.txt":       "cluster lock: " + filepath.Join(c.Base, "shared"),
			"log.ctdb.txt":           "ctdbd[",
		}
		for f, want := range checks {
			if got, ok := files[dir+f]; !ok || !strings.Contains(got, want) {
				t.Errorf("%s%s = %q, want it to contain %q", dir, f, got, want)
			}
		}
		if !strings.Contains(files[dir+"cluster_lock.txt"], ": ok") {
			t.Errorf("%scluster_lock.txt: no successful probe of the lock:\n%s", dir, files[dir+"cluster_lock.txt"])
		}
		if i == 2 && !strings.Contains(files[dir+"etc/public_addresses"], "10.99.0.3") {
			t.Errorf("node 2's own public_addresses is not in the bundle")
		}
	}
	for name, body := range files {
		if strings.Contains(body, "topsecret") {
			t.Errorf("%s holds the unmasked secret", name)
		}
	}

	// -n 0,1: only those nodes, which agree.
	r = runDiagnostics(t, env, "--no-ads", "-n", "0,1", "-o", out)
	files = readBundle(t, out)
	if r.code != 0 || strings.Contains(files["REPORT.txt"], "public_addresses differs") || !strings.Contains(files["REPORT.txt"], "Nodes: 0,1 (node 0 (127.0.0.1), node 1 (127.0.0.2))") {
		t.Errorf("-n 0,1: exit %d, report:\n%s", r.code, files["REPORT.txt"])
	}
	for name := range files {
		if strings.HasPrefix(name, "node2-") {
			t.Errorf("-n 0,1 collected %s", name)
		}
	}
}

func runDiagnostics(t *testing.T, env []string, args ...string) onnodeRun {
	t.Helper()
	return runTool(t, path.Join(binDir, "ctdb_diagnostics"), env, args...)
}
