package metrics

import (
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/stats"
)

var update = flag.Bool("update", false, "rewrite testdata/metrics.golden")

type fixed View

func (f *fixed) MetricsView() View { return View(*f) }

// sample is a 3-node cluster seen from node 1: node 2 unhealthy, node 0
// leads, two addresses, one monitor script failing twice in a row.
func sample() *fixed {
	st := protocol.Statistics{Counters: make([]uint64, stats.NumFields)}
	st.Counters[stats.ClientPacketsSent], st.Counters[stats.ClientPacketsRecv] = 120, 118
	st.Counters[stats.NodePacketsSent], st.Counters[stats.NodePacketsRecv] = 300, 290
	st.Counters[stats.KeepalivePacketsSent], st.Counters[stats.KeepalivePacketsRecv] = 40, 38
	st.Counters[stats.ChildwriteCalls], st.Counters[stats.PendingChildwriteCalls] = 12, 1
	return &fixed{
		Version: "0.1.0", PNN: 1, Leader: 0, Generation: 77, Runstate: "RUNNING",
		Nodes: []NodeView{
			{PNN: 0, Address: "10.0.0.1", Runstate: "RUNNING", RTT: 420 * time.Microsecond},
			{PNN: 1, Address: "10.0.0.2", Runstate: "RUNNING"},
			{PNN: 2, Address: "10.0.0.3", Flags: protocol.FlagUnhealthy, Runstate: "RUNNING", RTT: time.Millisecond},
		},
		IPs: []IPView{{Address: "192.168.1.1", Holder: 0}, {Address: "192.168.1.2", Holder: protocol.PNNUnknown}},
		Facts: stats.Facts{Elections: 2, LastElection: 60 * time.Millisecond, Recoveries: 3,
			LastRecovery: 25 * time.Millisecond, LastLockLatency: 4 * time.Millisecond, LockAttempts: 5,
			Monitor: []stats.ScriptFacts{{Name: "00.ctdb", State: "OK", Duration: 3 * time.Millisecond},
				{Name: "10.interface", State: "ERROR", Duration: 31 * time.Millisecond, Failcount: 2}}},
		Statistics: st, Misplaced: 1, Alive: true, Ready: true,
	}
}

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

// TestMetricsGolden pins every metric name, label and help text.
func TestMetricsGolden(t *testing.T) {
	code, body := get(t, Handler(sample()), "/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	body = strings.ReplaceAll(body, runtime.Version(), "GOVERSION")
	const path = "testdata/metrics.golden"
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./internal/metrics -update creates it)", err)
	}
	if body != string(want) {
		t.Errorf("/metrics differs from %s:\n--- got\n%s", path, body)
	}
}

// TestPromtoolCheck runs Prometheus' own linter on the output.
func TestPromtoolCheck(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (Debian package prometheus)")
	}
	_, body := get(t, Handler(sample()), "/metrics")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestHealthAndReady(t *testing.T) {
	v := sample()
	h := Handler(v)
	for _, tc := range []struct {
		alive, ready    bool
		runstate        string
		healthz, readyz int
	}{
		{true, true, "RUNNING", 200, 200},
		{true, false, "STARTUP", 200, 503},
		{false, false, "RUNNING", 503, 503},
	} {
		v.Alive, v.Ready, v.Runstate = tc.alive, tc.ready, tc.runstate
		if c, _ := get(t, h, "/healthz"); c != tc.healthz {
			t.Errorf("alive=%v: /healthz %d, want %d", tc.alive, c, tc.healthz)
		}
		if c, body := get(t, h, "/readyz"); c != tc.readyz {
			t.Errorf("ready=%v: /readyz %d (%q), want %d", tc.ready, c, body, tc.readyz)
		}
	}
}

func TestListenNeedsAnAddress(t *testing.T) {
	for _, bad := range []string{":9477", "9477", "localhost"} {
		if ln, err := Listen(bad); err == nil {
			ln.Close()
			t.Errorf("Listen(%q) succeeded", bad)
		}
	}
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if !strings.HasPrefix(ln.Addr().String(), "127.0.0.1:") {
		t.Errorf("bound to %s", ln.Addr())
	}
}
