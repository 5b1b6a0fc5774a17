package eventd

import (
	"fmt"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// Defaults for the zero values of Config.
const (
	DefaultDebugTimeout = 10 * time.Second
	DefaultOutputMax    = 4096
	DefaultKillGrace    = 2 * time.Second
	DefaultReapWait     = 500 * time.Millisecond
)

// outputDrain is how long output is still read after a script exited. A
// background child may keep the pipe open for ever, so EOF is not awaited.
const outputDrain = 100 * time.Millisecond

// Config configures a Runner. Zero values take the defaults above.
type Config struct {
	// Dir is the old-style script directory ($CTDB_BASE/events.d), scripts
	// named NN.name.
	Dir string
	// LegacyDir is CTDB 4.x's script directory ($CTDB_BASE/events/legacy),
	// scripts named NN.name.script, usually symlinks into DataDir. A
	// script here hides an events.d script of the same name. At least one
	// of Dir and LegacyDir must be set; with LegacyDir set, neither needs
	// to exist (the node then has no scripts, and a warning says so).
	LegacyDir string
	// DataDir holds the packaged scripts, NN.name.script, that
	// EnableScript links into LegacyDir ($CTDB_DATADIR/events/legacy).
	// "" means none.
	DataDir string
	// Env is the complete environment of every script and of the debug
	// script. nil means the daemon's own environment.
	Env []string
	// DebugScript, if set, runs as "DebugScript PID EVENT" when a script
	// times out, before the script is signalled, so it can still inspect it.
	DebugScript string
	// DebugTimeout bounds one run of DebugScript.
	DebugTimeout time.Duration
	// OutputMax is how many bytes of a script's output (the last ones) are
	// kept in its result. Every line is logged regardless.
	OutputMax int
	// KillGrace is the time between SIGTERM and SIGKILL for a timed-out
	// script. Longer lets scripts clean up; shorter frees the event sooner.
	KillGrace time.Duration
	// ReapWait is how long to wait for a SIGKILLed script to be reaped before
	// declaring it hung (stuck in the kernel) and moving on without it.
	ReapWait time.Duration
	// Log receives script output lines ("NAME: line") and runner messages.
	// nil means the logrus standard logger.
	Log *logrus.Entry
	// Signal sends sig to process group pgid. Tests replace it to emulate
	// processes that cannot be killed. nil means kill(-pgid, sig).
	Signal func(pgid int, sig syscall.Signal) error
	// Now gives timestamps for results. nil means time.Now.
	Now func() time.Time
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.DebugTimeout == 0 {
		c.DebugTimeout = DefaultDebugTimeout
	}
	if c.OutputMax == 0 {
		c.OutputMax = DefaultOutputMax
	}
	if c.KillGrace == 0 {
		c.KillGrace = DefaultKillGrace
	}
	if c.ReapWait == 0 {
		c.ReapWait = DefaultReapWait
	}
	if c.Log == nil {
		c.Log = logrus.NewEntry(logrus.StandardLogger())
	}
	if c.Signal == nil {
		c.Signal = killGroup
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// validate reports the first unusable field, naming it and its value.
func (c Config) validate() error {
	if c.Dir == "" && c.LegacyDir == "" {
		return fmt.Errorf("eventd: Config.Dir and Config.LegacyDir are both empty")
	}
	durations := []struct {
		name string
		d    time.Duration
	}{
		{"DebugTimeout", c.DebugTimeout},
		{"KillGrace", c.KillGrace},
		{"ReapWait", c.ReapWait},
	}
	for _, f := range durations {
		if f.d < 0 {
			return fmt.Errorf("eventd: Config.%s is %v, must not be negative", f.name, f.d)
		}
	}
	if c.OutputMax < 0 {
		return fmt.Errorf("eventd: Config.OutputMax is %d, must not be negative", c.OutputMax)
	}
	return nil
}

// killGroup is the default Config.Signal.
func killGroup(pgid int, sig syscall.Signal) error {
	return unix.Kill(-pgid, sig)
}
