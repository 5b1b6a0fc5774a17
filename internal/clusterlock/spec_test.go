package clusterlock

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseSpec(t *testing.T) {
	t.Parallel()
	cases := []struct {
		value string
		want  []string
		err   string
	}{
		{"/cluster/.reclock", []string{"/h/" + HelperName, "/cluster/.reclock", "5", "5", "5"}, ""},
		{"  /cluster/.reclock\n", []string{"/h/" + HelperName, "/cluster/.reclock", "5", "5", "5"}, ""},
		{"!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /c/lock 5 20", []string{"/usr/libexec/ctdb/ctdb_mutex_fcntl_helper", "/c/lock", "5", "20"}, ""},
		{"!/bin/etcd-lock\t-n  ns\t\tx", []string{"/bin/etcd-lock", "-n", "ns", "x"}, ""},
		{`!/bin/h "a b"`, []string{"/bin/h", `"a`, `b"`}, ""}, // no quoting, as in CTDB
		{"", nil, "empty value"},
		{"   ", nil, "empty value"},
		{"!", nil, "no command"},
		{"! \t ", nil, "no command"},
		{"cluster/.reclock", nil, "absolute path"},
	}
	for _, c := range cases {
		got, err := ParseSpec(c.value, "/h/"+HelperName)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseSpec(%q) error %v, want %q", c.value, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseSpec(%q) = %q, %v; want %q", c.value, got, err, c.want)
		}
	}
	if _, err := ParseSpec("/c/lock", ""); err == nil {
		t.Error("ParseSpec with no helper path accepted a plain file")
	}
}

// The hold bound is derived from the helper's ping timeout, so it must be
// read from the argv the helper really gets.
func TestPingTimeout(t *testing.T) {
	t.Parallel()
	cases := []struct {
		setting string
		want    time.Duration
	}{
		{"", DefaultPingTimeout},
		{"/cluster/.reclock", DefaultPingTimeout},
		{"!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /c/lock 5 2", 2 * time.Second},
		{"!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /c/lock 5 0.5 3", 500 * time.Millisecond},
		{"!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /c/lock 5", DefaultPingTimeout},
		{"!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /c/lock 5 zero", DefaultPingTimeout},
		{"!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /c/lock 5 -1", DefaultPingTimeout},
		{"!/usr/libexec/ctdb/ctdb_etcd_lock -ping-timeout=3 -endpoints http://127.0.0.1:2379", 3 * time.Second},
		{"!/usr/libexec/ctdb/ctdb_etcd_lock --ping-timeout 1.5", 1500 * time.Millisecond},
		{"!/usr/libexec/ctdb/ctdb_etcd_lock -endpoints http://127.0.0.1:2379", DefaultPingTimeout},
		{"!/bin/other-helper /c/lock 5 2", DefaultPingTimeout}, // positional arguments are the fcntl helper's only
		{"relative/lock", DefaultPingTimeout},
	}
	for _, c := range cases {
		if got := SettingPingTimeout(c.setting); got != c.want {
			t.Errorf("SettingPingTimeout(%q) = %v, want %v", c.setting, got, c.want)
		}
	}
}

func TestResultString(t *testing.T) {
	t.Parallel()
	for r, want := range map[Result]string{ResultLocked: "locked", ResultContended: "contention",
		ResultTimeout: "timeout", ResultError: "error", 'x': `unknown('x')`} {
		if got := r.String(); got != want {
			t.Errorf("%q.String() = %q, want %q", byte(r), got, want)
		}
	}
}

func TestLockDir(t *testing.T) {
	t.Parallel()
	for value, want := range map[string]string{
		"/cluster/.ctdb/reclock":  "/cluster/.ctdb",
		" /cluster/reclock\n":     "/cluster",
		"/reclock":                "/",
		"!/bin/helper /c/lock 5":  "",
		"relative/reclock":        "",
		"":                        "",
		"/cluster//.ctdb/reclock": "/cluster/.ctdb", // as 01.reclock: ${reclock%/*}, cleaned
	} {
		if got := LockDir(value); got != want {
			t.Errorf("LockDir(%q) = %q, want %q", value, got, want)
		}
	}
}

// No lock directory ("!helper" lock) or no probe ever run: nothing stuck.
func TestLockDirStuckWithoutProbe(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{"", "/cluster/.ctdb"} {
		if w, err := LockDirStuck(dir, t.TempDir(), time.Now()); w != nil || err != nil {
			t.Errorf("LockDirStuck(%q) = %v, %v; want nil, nil", dir, w, err)
		}
	}
}
