package suite

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
)

// Metric is one row of the table: a figure a scenario measures.
type Metric struct {
	Name string // unique within its scenario, e.g. "failover [5x5]"
	Unit string // "s", "ms", "%", "MiB", "procs"
	// Target is the goal for this figure, if it has one.
	Target *Target
}

// Target is a goal from the issue, checked on the summaries of ours and
// CTDB (ref is nil when CTDB did not run).
type Target struct {
	Text  string
	Check func(ours, ref *Summary) (met, known bool)
}

// Sample is one measurement. Never means the event did not happen within
// Bound (same unit as the metric), e.g. CTDB never marking a node UNHEALTHY.
type Sample struct {
	Value float64 `json:"value"`
	Never bool    `json:"never,omitempty"`
	Bound float64 `json:"bound,omitempty"`
}

// sortKey orders censored samples after every finite one.
func (s Sample) sortKey() float64 {
	if s.Never {
		return math.Inf(1)
	}
	return s.Value
}

// Summary is the median and the spread (min-max) of a metric's samples.
type Summary struct {
	N          int     `json:"n"`
	Median     float64 `json:"median"`
	Min        float64 `json:"min"`
	Max        float64 `json:"max"`
	Never      int     `json:"never"` // censored samples
	MedianNvr  bool    `json:"median_never,omitempty"`
	MaxNvr     bool    `json:"max_never,omitempty"`
	NeverBound float64 `json:"never_bound,omitempty"`
}

// Summarize returns nil for no samples. A censored sample counts as larger
// than any finite one; a median that falls on one is "never".
func Summarize(samples []Sample) *Summary {
	if len(samples) == 0 {
		return nil
	}
	s := append([]Sample(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i].sortKey() < s[j].sortKey() })
	sum := &Summary{N: len(s)}
	for _, x := range s {
		if x.Never {
			sum.Never++
			sum.NeverBound = math.Max(sum.NeverBound, x.Bound)
		}
	}
	lo, hi := s[(len(s)-1)/2], s[len(s)/2]
	if lo.Never || hi.Never {
		sum.MedianNvr = true
	} else {
		sum.Median = (lo.Value + hi.Value) / 2
	}
	sum.Min = s[0].Value
	if s[0].Never {
		sum.Min = 0
	}
	if last := s[len(s)-1]; last.Never {
		sum.MaxNvr = true
	} else {
		sum.Max = last.Value
	}
	return sum
}

// Finite reports whether the median is a number.
func (s *Summary) Finite() bool { return s != nil && !s.MedianNvr }

// Rec collects one scenario's samples, notes and errors for one system.
// Scenarios call it from several goroutines.
type Rec struct {
	mu      sync.Mutex
	samples map[string][]Sample
	notes   []string
	errs    []string
	logf    func(format string, args ...any)
}

func newRec(logf func(string, ...any)) *Rec {
	return &Rec{samples: map[string][]Sample{}, logf: logf}
}

// Add records a measured value of metric.
func (r *Rec) Add(metric string, v float64) {
	r.mu.Lock()
	r.samples[metric] = append(r.samples[metric], Sample{Value: v})
	r.mu.Unlock()
	r.logf("  %s = %.4g", metric, v)
}

// Never records that metric's event did not happen within bound.
func (r *Rec) Never(metric string, bound float64) {
	r.mu.Lock()
	r.samples[metric] = append(r.samples[metric], Sample{Never: true, Bound: bound})
	r.mu.Unlock()
	r.logf("  %s = never (within %g)", metric, bound)
}

// Note adds a remark to the report.
func (r *Rec) Note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.notes {
		if n == msg {
			return
		}
	}
	r.notes = append(r.notes, msg)
}

// Fail records an error that cost some samples; the scenario may go on.
func (r *Rec) Fail(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err.Error())
	r.mu.Unlock()
	r.logf("  error: %v", err)
}

func (r *Rec) snapshot() (map[string][]Sample, []string, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := map[string][]Sample{}
	for k, v := range r.samples {
		s[k] = append([]Sample(nil), v...)
	}
	return s, append([]string(nil), r.notes...), append([]string(nil), r.errs...)
}

// formatValue renders v in unit with a precision that suits it.
func formatValue(v float64, unit string) string {
	switch unit {
	case "s":
		if math.Abs(v) < 10 {
			return fmt.Sprintf("%.3f", v)
		}
		return fmt.Sprintf("%.1f", v)
	case "ms":
		if math.Abs(v) < 10 {
			return fmt.Sprintf("%.2f", v)
		}
		return fmt.Sprintf("%.1f", v)
	case "%":
		return fmt.Sprintf("%.2f", v)
	case "MiB":
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}

// cell renders a summary as "MEDIAN UNIT (MIN–MAX)".
func cell(s *Summary, unit string, reps int) string {
	if s == nil {
		return ""
	}
	never := fmt.Sprintf("never (>%s %s)", formatValue(s.NeverBound, unit), unit)
	if s.MedianNvr {
		if s.Never == s.N {
			return never
		}
		return fmt.Sprintf("%s; %d/%d runs", never, s.Never, s.N)
	}
	med := formatValue(s.Median, unit) + " " + unit
	var out string
	switch {
	case s.N == 1:
		out = med
	case s.MaxNvr:
		out = fmt.Sprintf("%s (%s–never)", med, formatValue(s.Min, unit))
	default:
		out = fmt.Sprintf("%s (%s–%s)", med, formatValue(s.Min, unit), formatValue(s.Max, unit))
	}
	if s.N < reps {
		out += fmt.Sprintf(" n=%d", s.N)
	}
	return out
}

// ratio renders ours/ref of the medians, when both are positive numbers.
func ratio(ours, ref *Summary) string {
	if !ours.Finite() || !ref.Finite() {
		if ours.Finite() && ref != nil && ref.MedianNvr {
			return "CTDB never"
		}
		return ""
	}
	if ours.Median <= 0 || ref.Median <= 0 {
		return ""
	}
	return fmt.Sprintf("%.2f", ours.Median/ref.Median)
}

// shortErr keeps the first line of an error, bounded, for a table cell.
func shortErr(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 70 {
		s = s[:67] + "..."
	}
	return s
}
