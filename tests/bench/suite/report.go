package suite

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// Report is a whole run: what ran where, and every sample.
type Report struct {
	Started  time.Time    `json:"started"`
	Finished time.Time    `json:"finished"`
	Config   Config       `json:"config"`
	Machine  Machine      `json:"machine"`
	Systems  []SystemInfo `json:"systems"`
	Outcomes []Outcome    `json:"outcomes"`
	Spread   string       `json:"spread"`
	// Partial says how far a run that is still going (or died) got.
	Partial string `json:"partial,omitempty"`
	Rows    []Row  `json:"rows"`

	env       *Env
	scenarios []Scenario
}

// Row is one line of the table, as stored in the JSON.
type Row struct {
	Scenario  string              `json:"scenario"`
	Metric    string              `json:"metric"`
	Unit      string              `json:"unit"`
	Summaries map[string]*Summary `json:"summaries"`
	Cells     []string            `json:"cells"` // one per system, as shown
	Ratio     string              `json:"ratio,omitempty"`
	Target    string              `json:"target,omitempty"`
}

const spreadText = "min–max"

// outcome finds the result of scenario on system.
func (r *Report) outcome(scenario, sys string) *Outcome {
	for i := range r.Outcomes {
		if r.Outcomes[i].Scenario == scenario && r.Outcomes[i].System == sys {
			return &r.Outcomes[i]
		}
	}
	return nil
}

// metricsOf lists a scenario's declared metrics, then any others it
// recorded, so nothing measured is dropped.
func (r *Report) metricsOf(sc Scenario) []Metric {
	ms := sc.Metrics(r.env)
	seen := map[string]bool{}
	for _, m := range ms {
		seen[m.Name] = true
	}
	for _, o := range r.Outcomes {
		if o.Scenario != sc.Name {
			continue
		}
		for name := range o.Samples {
			if !seen[name] {
				seen[name] = true
				ms = append(ms, Metric{Name: name})
			}
		}
	}
	return ms
}

// buildRows computes every row of the table.
func (r *Report) buildRows() {
	r.Spread = spreadText
	r.Rows = nil
	for _, sc := range r.scenarios {
		for _, m := range r.metricsOf(sc) {
			row := Row{Scenario: sc.Name, Metric: m.Name, Unit: m.Unit, Summaries: map[string]*Summary{}}
			var sums []*Summary
			for _, s := range r.Systems {
				o := r.outcome(sc.Name, s.Name)
				var sum *Summary
				if o != nil {
					sum = Summarize(o.Samples[m.Name])
				}
				row.Summaries[s.Name] = sum
				sums = append(sums, sum)
				row.Cells = append(row.Cells, r.cellFor(o, sum, m.Unit))
			}
			if len(sums) >= 2 {
				row.Ratio = ratio(sums[0], sums[1])
			}
			if m.Target != nil {
				row.Target = targetText(m.Target, sums)
			}
			r.Rows = append(r.Rows, row)
		}
	}
}

func (r *Report) cellFor(o *Outcome, sum *Summary, unit string) string {
	switch {
	case o == nil:
		return "not run"
	case o.NA != "":
		return "n/a: " + shortErr(o.NA)
	case sum == nil && len(o.Errors) > 0:
		return "error: " + shortErr(o.Errors[len(o.Errors)-1])
	case sum == nil:
		return "no data"
	}
	return cell(sum, unit, r.Config.Reps)
}

func targetText(t *Target, sums []*Summary) string {
	var ours, ref *Summary
	if len(sums) > 0 {
		ours = sums[0]
	}
	if len(sums) > 1 {
		ref = sums[1]
	}
	if ours == nil || t.Check == nil {
		return t.Text
	}
	met, known := t.Check(ours, ref)
	switch {
	case !known:
		return t.Text
	case met:
		return t.Text + ": met"
	default:
		return t.Text + ": NOT met"
	}
}

// Table is the results as one Markdown table.
func (r *Report) Table() string {
	head := []string{"Scenario", "Metric"}
	for _, s := range r.Systems {
		head = append(head, s.Name)
	}
	if len(r.Systems) >= 2 {
		head = append(head, r.Systems[0].Name+"/"+r.Systems[1].Name)
	}
	head = append(head, "Target")
	rows := [][]string{head}
	for _, row := range r.Rows {
		line := []string{row.Scenario, row.Metric}
		line = append(line, row.Cells...)
		if len(r.Systems) >= 2 {
			line = append(line, row.Ratio)
		}
		rows = append(rows, append(line, row.Target))
	}
	return renderTable(rows)
}

// renderTable aligns a Markdown table so it also reads well on a terminal.
func renderTable(rows [][]string) string {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for i, c := range cells {
			b.WriteString(" " + c + strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)) + " |")
		}
		b.WriteString("\n")
	}
	line(rows[0])
	sep := make([]string, len(width))
	for i, w := range width {
		sep[i] = strings.Repeat("-", w)
	}
	line(sep)
	for _, r := range rows[1:] {
		line(r)
	}
	return b.String()
}

// Markdown is the full report: run facts, the table, notes and errors.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# ctdb-go benchmark, %s\n\n", r.Started.Format("2006-01-02 15:04:05 MST"))
	if r.Partial != "" {
		fmt.Fprintf(&b, "**Partial results: %s.**\n\n", r.Partial)
	}
	fmt.Fprintf(&b, "- Command: `%s`\n", strings.Join(append([]string{"go run ./tests/bench"}, r.Config.Args...), " "))
	fmt.Fprintf(&b, "- Machine: %s\n", r.Machine)
	fmt.Fprintf(&b, "- CPU time source: %s\n", r.Machine.CPUSource)
	for _, s := range r.Systems {
		if s.Available {
			fmt.Fprintf(&b, "- System %s: version %s\n", s.Name, s.Version)
		} else {
			fmt.Fprintf(&b, "- System %s: n/a (%s)\n", s.Name, s.Reason)
		}
	}
	fmt.Fprintf(&b, "- Repetitions: %d per scenario and system%s; run took %s\n", r.Config.Reps,
		map[bool]string{true: " (smoke run: smallest sizes, short windows)", false: ""}[r.Config.Smoke],
		r.Finished.Sub(r.Started).Round(time.Second))
	fmt.Fprintf(&b, "- Cells: median (%s) over the repetitions; n=K when fewer samples than repetitions. "+
		"\"never (>X)\": the event did not happen within X. The ratio is the medians' quotient.\n\n", spreadText)
	b.WriteString(r.Table())
	b.WriteString("\n## Notes\n\n")
	for _, sc := range r.scenarios {
		fmt.Fprintf(&b, "- **%s**: %s\n", sc.Name, sc.About)
		if sc.Notes != nil {
			for _, n := range sc.Notes(r.env) {
				fmt.Fprintf(&b, "  - %s\n", n)
			}
		}
		for _, o := range r.Outcomes {
			if o.Scenario != sc.Name {
				continue
			}
			for _, n := range o.Notes {
				fmt.Fprintf(&b, "  - %s: %s\n", o.System, n)
			}
			if o.NA != "" {
				fmt.Fprintf(&b, "  - %s: not run: %s\n", o.System, o.NA)
			}
			for _, e := range o.Errors {
				fmt.Fprintf(&b, "  - %s: ERROR: %s\n", o.System, strings.ReplaceAll(e, "\n", " "))
			}
		}
	}
	return b.String()
}

// Write stores the report as Markdown and JSON under dir, and the
// Markdown again as latest.md. It returns the paths written.
func (r *Report) Write(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	md, js, latest := resultPaths(dir, r.Started)
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	text := r.Markdown()
	for p, content := range map[string][]byte{md: []byte(text), js: append(data, '\n'), latest: []byte(text)} {
		if err := os.WriteFile(p, content, 0o644); err != nil {
			return nil, err
		}
	}
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	return []string{abs(md), abs(js), abs(latest)}, nil
}
