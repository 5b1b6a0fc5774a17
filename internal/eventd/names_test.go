package eventd

import (
	"fmt"
	"testing"
	"time"
)

func TestValidScriptName(t *testing.T) {
	valid := []string{"00.ctdb", "10.interface", "50.samba-ad", "99.a_b", "01.X"}
	invalid := []string{"", "ctdb", "1.ctdb", "100.ctdb", "10.", ".10.ctdb", "10.ctdb~", "10.ctdb.rpmnew",
		"10.ctdb.rpmsave", "10.ctdb.dpkg-old", "10.ctdb.dpkg-dist", "10.ctdb.orig", "10.ctdb.swp",
		"10.ctdb.script", "10.a/b", "../10.a", "10.a b", "aa.ctdb"}
	for _, n := range valid {
		if !validScriptName(n) {
			t.Errorf("%q rejected", n)
		}
	}
	for _, n := range invalid {
		if validScriptName(n) {
			t.Errorf("%q accepted", n)
		}
	}
}

func TestCheckRequest(t *testing.T) {
	for _, ev := range []string{"init", "setup", "startup", "monitor", "startrecovery", "recovered",
		"takeip", "releaseip", "updateip", "ipreallocated", "shutdown", "stopped", "start_ip-x"} {
		if err := checkRequest(ev, []string{"eth0", ""}, time.Second); err != nil {
			t.Errorf("%s: %v", ev, err)
		}
	}
	long := fmt.Sprintf("%065d", 0)
	for _, ev := range []string{"", "-x", "1monitor", "a b", "a/b", "a.b", "a\n", "x" + long} {
		if err := checkRequest(ev, nil, time.Second); err == nil {
			t.Errorf("%q accepted", ev)
		}
	}
}

func TestIgnoresTimeout(t *testing.T) {
	want := map[string]bool{"startrecovery": true, "recovered": true, "takeip": true, "releaseip": true,
		"monitor": false, "startup": false, "init": false, "updateip": false, "ipreallocated": false, "shutdown": false}
	for ev, w := range want {
		if IgnoresTimeout(ev) != w {
			t.Errorf("IgnoresTimeout(%s) = %v", ev, !w)
		}
	}
}

func TestStrings(t *testing.T) {
	states := map[State]string{StateOK: "OK", StateError: "ERROR", StateTimedOut: "TIMEDOUT",
		StateDisabled: "DISABLED", StateCannotRun: "CANNOT RUN", State(42): "State(42)"}
	for s, w := range states {
		if s.String() != w {
			t.Errorf("%d: %q, want %q", int(s), s.String(), w)
		}
	}
	outcomes := map[Outcome]string{OutcomeOK: "OK", OutcomeError: "ERROR", OutcomeTimedOut: "TIMEDOUT",
		OutcomeCancelled: "CANCELLED", Outcome(9): "Outcome(9)"}
	for o, w := range outcomes {
		if o.String() != w {
			t.Errorf("%d: %q, want %q", int(o), o.String(), w)
		}
	}
}

func TestDiffScripts(t *testing.T) {
	old := []scriptEntry{{Name: "10.a", Enabled: true}, {Name: "20.b", Enabled: true}, {Name: "30.c"}}
	cur := []scriptEntry{{Name: "10.a", Enabled: true}, {Name: "20.b"}, {Name: "25.new", Enabled: true}}
	got := fmt.Sprint(diffScripts(old, cur))
	want := fmt.Sprint([]string{"script 20.b disabled", "script 25.new added (enabled)", "script 30.c removed"})
	if got != want {
		t.Errorf("diff = %s, want %s", got, want)
	}
	if d := diffScripts(cur, cur); len(d) != 0 {
		t.Errorf("no change gave %v", d)
	}
}
