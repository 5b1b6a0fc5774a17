package diagnostics

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/onnode"
)

func TestMaskSecrets(t *testing.T) {
	for in, want := range map[string]string{
		"CTDB_PASSWORD=hunter2\n":                  "CTDB_PASSWORD=" + Masked + "\n",
		"\tetcd password = s3cr3t # comment":       "\tetcd password = " + Masked + " # comment",
		"!/usr/bin/helper --token abc --x 1":       "!/usr/bin/helper --token " + Masked + " --x 1",
		`api_key: "a b c"`:                         "api_key: " + Masked,
		"AWS_SECRET_ACCESS_KEY='x y'":              "AWS_SECRET_ACCESS_KEY=" + Masked,
		"MonitorInterval = 15\nnode address = 1.2": "MonitorInterval = 15\nnode address = 1.2",
	} {
		if got := string(maskSecrets([]byte(in))); got != want {
			t.Errorf("maskSecrets(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLogWindow(t *testing.T) {
	log := "2026-12-03T10:00:00.000000+00:00 h ctdbd[1]: old\n" +
		"continuation of old\n" +
		"2026-12-03T11:00:00.000000+00:00 h ctdbd[1]: new\n" +
		"continuation of new\n" +
		"2026-12-03T12:30:00.000000+01:00 h ctdbd[1]: newer, other zone\n"
	since := time.Date(2026, 12, 3, 10, 30, 0, 0, time.UTC)
	want := "2026-12-03T11:00:00.000000+00:00 h ctdbd[1]: new\ncontinuation of new\n" +
		"2026-12-03T12:30:00.000000+01:00 h ctdbd[1]: newer, other zone\n"
	if got := string(logWindow([]byte(log), since)); got != want {
		t.Errorf("logWindow = %q, want %q", got, want)
	}
}

// localShell runs the collection script here, with a per-node CTDB_BASE,
// as a real remote shell would on each node.
type localShell struct {
	bases map[string]string
	path  string // first on PATH
}

func (l localShell) Output(ctx context.Context, t onnode.Target, cmd string) ([]byte, []byte, error) {
	c := exec.CommandContext(ctx, "/bin/sh", "-c", cmd)
	c.Env = append(os.Environ(), "CTDB_BASE="+l.bases[t.Addr], "PATH="+l.path+":/usr/bin:/bin")
	var stderr strings.Builder
	c.Stderr = &stderr
	out, err := c.Output()
	return out, []byte(stderr.String()), err
}

// The script's sections come back intact: files byte for byte (with or
// without a final newline), missing files as missing, commands with their
// exit status. Files that differ are named, and their secrets masked.
func TestCollectAndCompare(t *testing.T) {
	bases := map[string]string{}
	var targets []onnode.Target
	for i, pa := range []string{"10.1.1.1/24 eth0\n", "10.1.1.1/24 eth0\n", "10.1.1.1/24 eth0\n10.1.1.2/24 eth0"} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "public_addresses"), []byte(pa), 0o644)
		os.WriteFile(filepath.Join(dir, "nodes"), []byte("10.0.0.1\n10.0.0.2\n10.0.0.3\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "script.options"), []byte("# comment "+string(rune('a'+i))+"\nCTDB_X_PASSWORD=pw"+string(rune('a'+i))+"\n"), 0o644)
		addr := "10.0.0." + string(rune('1'+i))
		bases[addr] = dir
		targets = append(targets, onnode.Target{PNN: i, Addr: addr})
	}
	// A ctdb that answers nothing, as when no daemon runs.
	bin := t.TempDir()
	os.WriteFile(filepath.Join(bin, "ctdb"), []byte("#!/bin/sh\necho \"no daemon for ctdb $*\"\nexit 7\n"), 0o755)
	res := collect(context.Background(), localShell{bases, bin}, targets, true, 30*time.Second, time.Now)
	for _, n := range res {
		if n.err != nil {
			t.Fatalf("%s: %v", label(n), n.err)
		}
		if got := string(n.items["file:public_addresses"].data); got != map[string]string{"10.0.0.1": "10.1.1.1/24 eth0\n", "10.0.0.2": "10.1.1.1/24 eth0\n", "10.0.0.3": "10.1.1.1/24 eth0\n10.1.1.2/24 eth0"}[n.target.Addr] {
			t.Errorf("%s: public_addresses = %q", label(n), got)
		}
		if !n.items["file:ctdb.conf"].missing {
			t.Errorf("%s: ctdb.conf not reported missing: %+v", label(n), n.items["file:ctdb.conf"])
		}
		if it := n.items["cmd:ctdb_status"]; it.exit != 7 || string(it.data) != "no daemon for ctdb status\n" {
			t.Errorf("%s: ctdb status = %+v", label(n), it)
		}
		if _, ok := n.items["cmd:ads_testjoin"]; ok {
			t.Errorf("%s: --no-ads still ran the AD check", label(n))
		}
		if !n.hasClk || n.skew > 2*time.Second || n.skew < -2*time.Second {
			t.Errorf("%s: clock skew %v (known %v)", label(n), n.skew, n.hasClk)
		}
	}
	diffs := compareFiles(res, compareOptions{}, t.TempDir())
	if len(diffs) != 2 || diffs[0].file != "public_addresses" || diffs[1].file != "script.options" {
		t.Fatalf("diffs = %+v, want public_addresses and script.options", diffs)
	}
	if s := diffs[0].summary; s != "public_addresses differs: node 2 (10.0.0.3) against node 0 (10.0.0.1)" {
		t.Errorf("summary = %q", s)
	}
	if d := strings.Join(diffs[0].diffs, ""); !strings.Contains(d, "+10.1.1.2/24 eth0") {
		t.Errorf("diff = %q", d)
	}
	if d := strings.Join(diffs[1].diffs, ""); strings.Contains(d, "pwa") || strings.Contains(d, "pwb") || !strings.Contains(d, Masked) {
		t.Errorf("secret not masked in the diff: %q", d)
	}
	// -c ignores the comments, but the (masked) passwords still differ.
	diffs = compareFiles(res, compareOptions{ignoreComments: true}, t.TempDir())
	if len(diffs) != 2 || !strings.Contains(strings.Join(diffs[1].diffs, ""), "differ only in masked secret values") {
		t.Errorf("with -c: %+v", diffs)
	}
}
