package rdconf

import (
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	c := Config{Socket: "/run/ctdb/ctdbd.socket", LogLocation: "file:/var/log/ctdb/log.ctdb", LogLevel: "NOTICE",
		ClusterLock: "!/usr/bin/helper a b", LeaderTimeout: 5, LeaderCapability: true, QuorumMajority: true, VarDir: "/var/lib/ctdb"}
	v, ok := strings.CutPrefix(c.EnvEntry(), Env+"=")
	if !ok {
		t.Fatalf("EnvEntry() = %q", c.EnvEntry())
	}
	got, err := Parse(v)
	if err != nil || got != c {
		t.Fatalf("Parse(%s) = %+v, %v; want %+v", v, got, err, c)
	}
}

func TestParseErrorsNameTheProblem(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"socket":"/s","leader_timeout":5,"bogus":1}`, `unknown field "bogus"`},
		{`{"socket":"/s","leader_timeout":5} {}`, "trailing data"},
		{`{"leader_timeout":5}`, "no control socket"},
		{`{"socket":"/s"}`, "leader timeout 0"},
		{`{"socket":`, "unexpected EOF"},
	} {
		_, err := Parse(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), Env+": ") {
			t.Errorf("Parse(%s) = %v, want an error naming %s and %q", tc.in, err, Env, tc.want)
		}
	}
}

func TestFromEnvEmpty(t *testing.T) {
	t.Setenv(Env, "")
	if _, err := FromEnv(); err == nil {
		t.Fatal("empty value accepted")
	}
}
