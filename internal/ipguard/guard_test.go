package ipguard

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func render(as []Address) string {
	var s []string
	for _, a := range as {
		s = append(s, a.Prefix+"@"+a.Iface)
	}
	return strings.Join(s, " ")
}

// A transcript: each step is "T EVENT" (T in milliseconds since start;
// EVENT a line from ctdbd, "<closed>" or "<tick>") and what the guard must
// answer: "wake T", "sleep" (no wake-up: nothing held), "remove A@I ...
// (why)", "exit", "bad".
func TestGuardTranscripts(t *testing.T) {
	cases := []struct {
		name  string
		steps []string // "T EVENT => ANSWER"
	}{
		{"pings keep it quiet", []string{
			"0 add eth0 10.0.0.1/24 => wake 1000",
			"800 ping => wake 1800",
			"1000 <tick> => wake 1800",
			"1700 ping => wake 2700",
		}},
		{"silence past the timeout removes everything, once", []string{
			"0 add eth0 10.0.0.1/24 => wake 1000",
			"100 add eth1 10.0.0.2/24 => wake 1100",
			"1100 <tick> => remove 10.0.0.1/24@eth0 10.0.0.2/24@eth1 (no word from ctdbd for 1s); sleep",
			"5000 <tick> => sleep",
		}},
		{"holding nothing, it needs no word from ctdbd", []string{
			"0 <tick> => sleep",
			"3000 ping => sleep",
			"9000 <tick> => sleep",
			"9500 add eth0 10.0.0.1/24 => wake 10500",
			"9600 del eth0 10.0.0.1/24 => sleep",
			"20000 <tick> => sleep",
		}},
		{"a released address is not removed", []string{
			"0 add eth0 10.0.0.1/24 => wake 1000",
			"10 add eth0 10.0.0.2/24 => wake 1010",
			"20 del eth0 10.0.0.1/24 => wake 1020",
			"1020 <tick> => remove 10.0.0.2/24@eth0 (no word from ctdbd for 1s); sleep",
		}},
		{"pipe closed: remove everything and end", []string{
			"0 add eth0 10.0.0.1/24 => wake 1000",
			"500 <closed> => remove 10.0.0.1/24@eth0 (ctdbd exited); exit",
		}},
		{"clean exit removes nothing", []string{
			"0 add eth0 10.0.0.1/24 => wake 1000",
			"500 exit => exit",
		}},
		{"an unknown line is reported and still counts as word", []string{
			"0 add eth0 10.0.0.1/24 => wake 1000",
			"900 hello there => bad; wake 1900",
			"1000 <tick> => wake 1900",
			"950 add eth0 => bad; wake 1950",
		}},
		{"after a timeout the guard keeps guarding new addresses", []string{
			"0 add eth0 10.0.0.1/24 => wake 1000",
			"1000 <tick> => remove 10.0.0.1/24@eth0 (no word from ctdbd for 1s); sleep",
			"1500 add eth0 10.0.0.3/24 => wake 2500",
			"1600 <closed> => remove 10.0.0.3/24@eth0 (ctdbd exited); exit",
		}},
	}
	start := time.Unix(1e6, 0)
	at := func(ms string) time.Time {
		var n int
		fmt.Sscan(ms, &n)
		return start.Add(time.Duration(n) * time.Millisecond)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := New(time.Second, start)
			for _, s := range c.steps {
				ev, want, _ := strings.Cut(s, " => ")
				ts, line, _ := strings.Cut(ev, " ")
				in := Input{Kind: Line, Line: line, Now: at(ts)}
				switch line {
				case "<closed>":
					in = Input{Kind: Closed, Now: at(ts)}
				case "<tick>":
					in = Input{Kind: Tick, Now: at(ts)}
				}
				out := g.Step(in)
				var got []string
				if out.Bad != "" {
					got = append(got, "bad")
				}
				if out.Why != "" {
					got = append(got, fmt.Sprintf("remove %s (%s)", render(out.Remove), out.Why))
				}
				switch {
				case out.Exit:
					got = append(got, "exit")
				case out.Wake.IsZero():
					got = append(got, "sleep")
				default:
					got = append(got, fmt.Sprintf("wake %d", out.Wake.Sub(start).Milliseconds()))
				}
				if g := strings.Join(got, "; "); g != want {
					t.Fatalf("%s: got %q, want %q", ev, g, want)
				}
			}
		})
	}
}
