package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/harness"
	"github.com/ctdb-go/ctdb/tests/netns"
)

const (
	metricsPort    = 9477
	promPort       = 9090
	scrapeInterval = time.Second
)

// nsHTTP is an HTTP client whose connections are made inside host h's
// network namespace.
func nsHTTP(h *netns.Host) *http.Client {
	tr := &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var c net.Conn
		err := h.Do(func() (err error) {
			c, err = (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, network, addr)
			return err
		})
		return c, err
	}}
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

func httpGet(c *http.Client, u string) (string, error) {
	resp, err := c.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return string(b), fmt.Errorf("%s: %s", u, resp.Status)
	}
	return string(b), err
}

// promQuery runs an instant PromQL query and returns each series'
// instance label and value.
func promQuery(c *http.Client, base, q string) (map[string]float64, error) {
	body, err := httpGet(c, base+"/api/v1/query?query="+url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	var r struct {
		Status string
		Data   struct {
			Result []struct {
				Metric map[string]string
				Value  [2]any
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || r.Status != "success" {
		return nil, fmt.Errorf("query %q: %v %s", q, err, body)
	}
	out := map[string]float64{}
	for _, s := range r.Data.Result {
		v, _ := strconv.ParseFloat(fmt.Sprint(s.Value[1]), 64)
		out[s.Metric["instance"]] = v
	}
	return out, nil
}

// agreed is the value every series has, if there are want series and
// they agree.
func agreed(res map[string]float64, want int) (float64, bool) {
	if len(res) != want {
		return 0, false
	}
	first, v := true, 0.0
	for _, x := range res {
		if !first && x != v {
			return 0, false
		}
		first, v = false, x
	}
	return v, true
}

// TestPrometheusScrapesLeader: a real Prometheus server scrapes a 3-node
// cluster in network namespaces; PromQL gives the leader's PNN, and after
// kill -9 of the leader the new one within two scrape intervals of the
// cluster knowing it.
func TestPrometheusScrapesLeader(t *testing.T) {
	prometheus, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus is not installed (Debian package prometheus)")
	}
	t.Parallel()
	nw := netns.New(t, 3) // skips without root
	hosts := nw.Hosts()
	promHost := nw.AddHost("prom")
	addrs := make([]string, len(hosts))
	for i, h := range hosts {
		addrs[i] = h.Addr.String()
	}
	c := cluster(t, localcluster.Options{Nodes: 3, Addrs: addrs, Scripts: []string{"00.ctdb"},
		Tunables: map[string]uint32{"KeepaliveInterval": 1, "KeepaliveLimit": 3, "MonitorInterval": 1},
		Wrap:     func(i int, argv []string) []string { return hosts[i].Command(argv[0], argv[1:]...).Args }})
	var targets []string
	for i, a := range addrs {
		listen := net.JoinHostPort(a, strconv.Itoa(metricsPort))
		targets = append(targets, fmt.Sprintf("%q", listen))
		f, err := os.OpenFile(filepath.Join(c.ConfigDir(i), "ctdb.conf"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(f, "\n[metrics]\n\tlisten = %s\n", listen)
		f.Close()
	}
	for i := range hosts {
		start(t, c, i)
	}

	dir := t.TempDir()
	conf := fmt.Sprintf("global:\n  scrape_interval: %v\n  scrape_timeout: %v\n  evaluation_interval: 10s\n"+
		"scrape_configs:\n  - job_name: ctdb\n    static_configs:\n      - targets: [%s]\n",
		scrapeInterval, scrapeInterval, strings.Join(targets, ", "))
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	promAddr := net.JoinHostPort(promHost.Addr.String(), strconv.Itoa(promPort))
	cmd := promHost.Command(prometheus, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+promAddr, "--log.level=warn")
	promLog, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer promLog.Close()
	cmd.Stdout, cmd.Stderr = promLog, promLog
	promHost.Start(t, cmd)
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "prometheus.log"))
			t.Logf("prometheus log:\n%s", tail(string(b), 30))
		}
	})

	hc := nsHTTP(promHost)
	base := "http://" + promAddr
	// The real endpoint is clean for promtool too.
	if body, err := httpGet(hc, "http://"+net.JoinHostPort(addrs[0], strconv.Itoa(metricsPort))+"/metrics"); err != nil {
		t.Fatal(err)
	} else if promtool, err := exec.LookPath("promtool"); err == nil {
		pc := exec.Command(promtool, "check", "metrics")
		pc.Stdin = strings.NewReader(body)
		if out, err := pc.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "" {
			t.Errorf("promtool check metrics on node 0's endpoint: %v\n%s", err, out)
		}
	}

	// Wait until Prometheus has all three nodes agreeing on a leader.
	leader := -1.0
	harness.Until(60*time.Second, 100*time.Millisecond, func() string {
		res, err := promQuery(hc, base, "ctdb_leader_pnn")
		if v, ok := agreed(res, 3); err == nil && ok && v >= 0 {
			leader = v
			return ""
		}
		return "no agreed leader"
	})
	if leader < 0 {
		res, err := promQuery(hc, base, "ctdb_leader_pnn")
		t.Fatalf("no leader agreed through PromQL within 60 s: %v %v", res, err)
	}
	L := int(leader)
	out, _, _ := c.Ctdb(L, "leader")
	if strings.TrimSpace(out) != strconv.Itoa(L) {
		t.Fatalf("PromQL says leader %d, ctdb leader on it says %q", L, out)
	}
	t.Logf("PromQL: leader %d", L)
	// Counted for real: the lock holder, every peer's round trip, every
	// node's monitor script, the probes.
	for q, want := range map[string]float64{
		"sum(ctdb_cluster_lock_held)":                                          1,
		"count(ctdb_keepalive_rtt_seconds > 0)":                                6,
		`count(ctdb_monitor_script_status{script="00.ctdb",status="OK"} == 1)`: 3,
		`count(ctdb_node_runstate{runstate="RUNNING"} == 1)`:                   9,
		"sum(ctdb_ready)": 3,
	} {
		var res map[string]float64
		harness.Until(10*time.Second, 200*time.Millisecond, func() string {
			if res, err = promQuery(hc, base, q); err == nil && res[""] == want {
				return ""
			}
			return "not yet"
		})
		if res[""] != want {
			t.Errorf("%s = %v (%v), want %v", q, res, err, want)
		}
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if _, err := httpGet(hc, "http://"+net.JoinHostPort(addrs[0], strconv.Itoa(metricsPort))+p); err != nil {
			t.Errorf("node 0 %s: %v", p, err)
		}
	}

	// kill -9 of the leader; watch a survivor's ctdb and PromQL.
	survivor := (L + 1) % 3
	if err := c.Kill(L, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	var known, seen time.Time
	newLeader := -1
	harness.Until(30*time.Second, 50*time.Millisecond, func() string {
		if known.IsZero() {
			if out, _, code := c.Ctdb(survivor, "leader"); code == 0 {
				if n, err := strconv.Atoi(strings.TrimSpace(out)); err == nil && n != L {
					known = time.Now()
				}
			}
		}
		if res, err := promQuery(hc, base, "ctdb_leader_pnn"); err == nil {
			if v, ok := agreed(res, 2); ok && v >= 0 && int(v) != L {
				seen, newLeader = time.Now(), int(v)
				return ""
			}
		}
		return "PromQL shows no new leader"
	})
	if seen.IsZero() {
		res, err := promQuery(hc, base, "ctdb_leader_pnn")
		t.Fatalf("PromQL never showed a new leader after kill -9 of %d: %v %v", L, res, err)
	}
	if known.IsZero() || known.After(seen) {
		known = seen
	}
	t.Logf("kill -9 of leader %d: survivors know the new leader %d after %v, PromQL shows it after %v (%v later)",
		L, newLeader, known.Sub(killed).Round(time.Millisecond), seen.Sub(killed).Round(time.Millisecond),
		seen.Sub(known).Round(time.Millisecond))
	if lag := seen.Sub(known); lag > 2*scrapeInterval {
		t.Errorf("PromQL showed the new leader %v after the cluster knew it: more than two scrape intervals (%v)", lag, 2*scrapeInterval)
	}
}
