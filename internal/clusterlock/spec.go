package clusterlock

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ctdb-go/ctdb/internal/probe"
)

// HelperName is the file name of the fcntl helper binary.
const HelperName = "ctdb_mutex_fcntl_helper"

// Defaults of the fcntl helper's optional arguments.
const (
	DefaultRecheckInterval = 5 * time.Second
	DefaultPingTimeout     = 5 * time.Second
	DefaultRecheckTimeout  = 5 * time.Second
)

// ParseSpec turns the [cluster] "cluster lock" value into the helper's argv.
//
// A value starting with '!' is a command: the rest is split on spaces and
// tabs, with no shell and no quoting (CTDB semantics); a command without a
// '/' is looked up in PATH, and it runs in "/". Otherwise the value is
// the lock file, which must be an absolute path (helpers run in "/"), and the
// argv is helperPath, the file and the default intervals (written out, so
// that ps and the logs show them). An empty value is an error.
func ParseSpec(value, helperPath string) ([]string, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return nil, errors.New("cluster lock: empty value")
	}
	if cmd, ok := strings.CutPrefix(value, "!"); ok {
		argv := strings.FieldsFunc(cmd, func(r rune) bool { return r == ' ' || r == '\t' })
		if len(argv) == 0 {
			return nil, fmt.Errorf("cluster lock %q: no command after '!'", value)
		}
		return argv, nil
	}
	if !filepath.IsAbs(value) {
		return nil, fmt.Errorf("cluster lock %q: lock file must be an absolute path", value)
	}
	if helperPath == "" {
		return nil, errors.New("cluster lock: no helper path")
	}
	return []string{helperPath, value,
		seconds(DefaultRecheckInterval), seconds(DefaultPingTimeout), seconds(DefaultRecheckTimeout)}, nil
}

// PingTimeout is the lock helper's ping timeout as its argv (ParseSpec)
// sets it: the fcntl helper's third argument (PING_TIMEOUT) or a
// "-ping-timeout" option (the etcd helper); otherwise DefaultPingTimeout,
// both helpers' default. A leader's addresses must be let go within half
// of it (nodestate.Params.HoldBound), so ctdbd and the recovery daemon
// both take it from here.
func PingTimeout(argv []string) time.Duration {
	secs := func(s string) (time.Duration, bool) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || !(f > 0) || f > 86400 {
			return 0, false
		}
		return time.Duration(f * float64(time.Second)), true
	}
	if len(argv) >= 4 && filepath.Base(argv[0]) == HelperName {
		if d, ok := secs(argv[3]); ok {
			return d
		}
	}
	for i, a := range argv {
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "ping-timeout" {
			continue
		}
		if !hasVal && i+1 < len(argv) {
			val = argv[i+1]
		}
		if d, ok := secs(val); ok {
			return d
		}
	}
	return DefaultPingTimeout
}

// SettingPingTimeout is PingTimeout of the [cluster] "cluster lock" value
// ("" or a bad value: DefaultPingTimeout).
func SettingPingTimeout(value string) time.Duration {
	argv, err := ParseSpec(value, HelperName)
	if err != nil {
		return DefaultPingTimeout
	}
	return PingTimeout(argv)
}

// LockDir is the directory of a plain lock file value ("" for a
// "!helper" command, whose file, if any, is the helper's business). It is
// what 01.reclock probes, so callers can ask the probe state whether the
// lock's filesystem answers before starting a helper.
func LockDir(value string) string {
	value = strings.TrimSpace(value)
	if value == "" || strings.HasPrefix(value, "!") || !filepath.IsAbs(value) {
		return ""
	}
	return filepath.Dir(value)
}

// LockDirStuck returns this node's probe worker for the lock directory dir
// (see LockDir) when it is stuck: 01.reclock stats dir through ctdb_probe
// with the state directory under varDir (CTDB_VARDIR), and a worker past its
// deadline means the lock's filesystem does not answer, so a lock helper
// started now would only block there too. nil when dir is "" or the probe
// is not stuck. It starts nothing and never touches dir.
func LockDirStuck(dir, varDir string, now time.Time) (*probe.Outstanding, error) {
	if dir == "" {
		return nil, nil
	}
	return probe.Stuck(probe.StateDirIn(varDir), probe.OpStat, dir, now)
}

// seconds formats d as the helper's decimal-seconds argument.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}
