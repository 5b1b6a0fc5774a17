package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ctdb-go/ctdb/internal/eventd"
	"github.com/ctdb-go/ctdb/internal/logging"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

func (d *Daemon) newRunner() (*eventd.Runner, error) {
	return eventd.New(eventd.Config{
		Dir:         d.cfg.EventsDir(),
		LegacyDir:   d.cfg.LegacyEventsDir(),
		DataDir:     d.cfg.PackagedEventsDir(),
		Env:         d.scriptEnv(),
		DebugScript: d.cfg.Event.DebugScript,
		Log:         d.logger.WithField(logging.TagField, "ctdb-eventd"),
	})
}

// scriptEnv is the environment every eventscript gets: the daemon's own,
// plus CTDB's variables, with the helper directory first on PATH.
func (d *Daemon) scriptEnv() []string {
	c := d.cfg
	set := map[string]string{
		"CTDB_BASE":          c.ConfigDir,
		"CTDB_VARDIR":        c.Paths.VarDir,
		"CTDB_SCRIPT_VARDIR": filepath.Join(c.Paths.VarDir, "scripts"),
		"CTDB_RUNDIR":        c.Paths.RunDir,
		"CTDB_SOCKET":        c.Paths.Socket,
		"CTDB_PNN":           strconv.FormatUint(uint64(d.st.Self), 10),
		"CTDB_RECOVERY_LOCK": c.Cluster.ClusterLock,
		"CTDB_HELPER_BINDIR": d.opts.HelperDir,
		"CTDB_DATADIR":       c.Paths.DataDir,
		"PATH":               strings.Join(append(append([]string(nil), d.opts.Path...), os.Getenv("PATH")), ":"),
		"CTDB":               ctdbTool(d.opts.Path),
		"CTDB_LOGGING":       scriptLogging(d.opts.LogLocation, c.Logging.Location),
	}
	// [database] directories, as CTDB's ctdb_get_db_options sets them.
	set["CTDB_DBDIR"], set["CTDB_DBDIR_PERSISTENT"], set["CTDB_DBDIR_STATE"] = c.DatabasePaths()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ours := set[k]; !ours && !systemdVar[k] {
			env = append(env, kv)
		}
	}
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	return env
}

// ctdbTool is the ctdb tool the scripts call as $CTDB: the first one in the
// directories put first on their PATH, else plain "ctdb".
func ctdbTool(dirs []string) string {
	for _, dir := range dirs {
		p := filepath.Join(dir, "ctdb")
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return "ctdb"
}

// scriptLogging is CTDB_LOGGING, where script_log writes: the location
// ctdbd logs to, "file:" (stderr) when it logs to stderr (--interactive).
func scriptLogging(running, configured string) string {
	switch running {
	case "stderr":
		return "file:"
	case "":
		return configured
	}
	return running
}

// eventTimeout is EventScriptTimeout, the bound of a whole event.
func (d *Daemon) eventTimeout() time.Duration {
	v, _ := d.tun.Get("EventScriptTimeout")
	return time.Duration(v) * time.Second
}

// runEvent runs one event. timeout 0 means EventScriptTimeout. Timeouts of
// the events whose callers have their own deadlines (startrecovery,
// recovered, takeip, releaseip) are logged and counted as success, as CTDB.
func (d *Daemon) runEvent(ctx context.Context, event string, args []string, timeout time.Duration) (*eventd.EventResult, error) {
	if timeout <= 0 {
		timeout = d.eventTimeout()
	}
	res, err := d.runner.Run(ctx, event, args, timeout)
	if err != nil {
		if !errors.Is(err, eventd.ErrCancelled) {
			d.log.WithError(err).Errorf("%s event could not run", event)
		}
		return res, err
	}
	switch res.Outcome {
	case eventd.OutcomeOK:
	case eventd.OutcomeTimedOut:
		if eventd.IgnoresTimeout(event) {
			d.log.Warningf("Ignoring hung script for %s event", event)
			res.Outcome = eventd.OutcomeOK
		} else {
			d.log.Errorf("%s event timed out", event)
		}
	default:
		if event != "monitor" {
			d.log.Errorf("%s event failed", event)
		}
	}
	return res, nil
}

// mustEvent runs an event whose failure stops the daemon (init, setup).
func (d *Daemon) mustEvent(ctx context.Context, event string) error {
	res, err := d.runEvent(ctx, event, nil, 0)
	if err != nil {
		return fmt.Errorf("%s event: %w", event, err)
	}
	if res.Outcome != eventd.OutcomeOK {
		return fmt.Errorf("%s event failed (%s), exiting", event, describeFailure(res))
	}
	return nil
}

func describeFailure(res *eventd.EventResult) string {
	for _, s := range res.Scripts {
		if s.State != eventd.StateOK && s.State != eventd.StateDisabled {
			return fmt.Sprintf("%s: %s", s.Name, s.State)
		}
	}
	return res.Outcome.String()
}

// eventStatus converts the runner's result to the wire type.
func eventStatus(res *eventd.EventResult, hung []eventd.HungScript) protocol.EventStatus {
	st := protocol.EventStatus{
		Event:    res.Event,
		Outcome:  res.Outcome.String(),
		ExitCode: res.ExitCode,
	}
	for _, s := range res.Scripts {
		st.Scripts = append(st.Scripts, protocol.ScriptStatus{
			Name: s.Name, State: s.State.String(), ExitCode: s.ExitCode, Signal: s.Signal,
			Error: s.Err, Output: s.Output, Start: s.Start, End: s.End, StillRunning: s.StillRunning,
		})
	}
	for _, h := range hung {
		st.Hung = append(st.Hung, protocol.HungScript{Name: h.Name, Event: h.Event, PID: h.PID, Since: h.Since})
	}
	return st
}

// systemdVar lists systemd's variables for ctdbd itself, which its
// eventscripts and helpers must not inherit.
var systemdVar = map[string]bool{"NOTIFY_SOCKET": true, "WATCHDOG_USEC": true, "WATCHDOG_PID": true}
