package suite

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ctdb-go/ctdb/tests/labelsrv"
)

// TestMain lets the test binary serve as the label server too, like the
// suite binary (the failover scenarios re-execute themselves for it).
func TestMain(m *testing.M) {
	labelsrv.ServeIfAsked()
	os.Exit(m.Run())
}

// TestSmoke runs the suite the way `make test` should: one repetition of
// the quick loopback scenarios against ctdb-go only. Every declared figure
// must come out as a number, and the results must be written.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real clusters for about 30 s")
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := Main([]string{"bench", "-smoke", "-systems", "ctdb-go", "-only", "control-latency,scale,monitor-cost", "-out", out},
		&stdout, &stderr)
	t.Logf("table:\n%s", stdout.String())
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if n := strings.Count(stdout.String(), "\n"); n != 2+9 {
		t.Errorf("table has %d lines, want a header, a rule and 9 rows", n)
	}
	matches, _ := filepath.Glob(filepath.Join(out, "bench-*.json"))
	if len(matches) != 1 {
		t.Fatalf("want one JSON result, found %v", matches)
	}
	if _, err := os.Stat(filepath.Join(out, "latest.md")); err != nil {
		t.Error(err)
	}
	data, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Machine Machine
		Rows    []Row
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Machine.CPUs < 1 || rep.Machine.Kernel == "" || rep.Machine.Go == "" {
		t.Errorf("machine facts missing: %+v", rep.Machine)
	}
	if len(rep.Rows) != 9 {
		t.Fatalf("%d rows in the JSON, want 9", len(rep.Rows))
	}
	for _, row := range rep.Rows {
		s := row.Summaries["ctdb-go"]
		if !s.Finite() || s.N != 1 || s.Median <= 0 {
			t.Errorf("%s / %s: want one positive figure, got %+v (cells %v)", row.Scenario, row.Metric, s, row.Cells)
		}
	}
}
