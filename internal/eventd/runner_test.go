package eventd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRun_RunsInOrderWithArgsAndStopsAtFirstFailure(t *testing.T) {
	h := newHarness(t, nil)
	h.script("10.first", `echo "10.first $*" >> "$TMP/log"`)
	h.script("20.second", `echo "20.second $*" >> "$TMP/log"; echo failing; exit 3`)
	h.script("30.third", `echo "30.third $*" >> "$TMP/log"`)

	res := h.mustRun("takeip", 5*time.Second, "eth0", "10.0.0.1", "24")

	if got, want := summary(res), "10.first=OK 20.second=ERROR"; got != want {
		t.Fatalf("scripts = %q, want %q", got, want)
	}
	if res.Outcome != OutcomeError || res.ExitCode != 3 {
		t.Errorf("outcome = %v exit %d, want ERROR exit 3", res.Outcome, res.ExitCode)
	}
	if s := res.Scripts[1]; s.ExitCode != 3 || s.Output != "failing\n" {
		t.Errorf("20.second: exit %d output %q", s.ExitCode, s.Output)
	}
	want := "10.first takeip eth0 10.0.0.1 24\n20.second takeip eth0 10.0.0.1 24\n"
	if got := h.read("log"); got != want {
		t.Errorf("scripts ran as:\n%s\nwant:\n%s", got, want)
	}
	st, ok := h.r.Status("takeip")
	if !ok || summary(st) != summary(res) || st.Outcome != OutcomeError {
		t.Errorf("Status(takeip) = %v %v, want the run's result", summary(st), ok)
	}
}

func TestRun_AllOKPassesEnvironmentAndRecordsStatus(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Env = append(c.Env, "CTDB_BASE=/etc/ctdb-test") })
	h.script("10.env", `echo "base=$CTDB_BASE"`)
	h.script("20.ok", `exit 0`)

	if _, ok := h.r.Status("startup"); ok {
		t.Fatal("Status(startup) before any run: ok = true")
	}
	res := h.mustRun("startup", 5*time.Second)

	if summary(res) != "10.env=OK 20.ok=OK" || res.Outcome != OutcomeOK || res.ExitCode != 0 {
		t.Fatalf("result = %s %v %d", summary(res), res.Outcome, res.ExitCode)
	}
	if got := res.Scripts[0].Output; got != "base=/etc/ctdb-test\n" {
		t.Errorf("output = %q", got)
	}
	if res.Scripts[0].PID <= 0 || res.Scripts[0].End.Before(res.Scripts[0].Start) {
		t.Errorf("pid/times not filled in: %+v", res.Scripts[0])
	}
	if st, ok := h.r.Status("startup"); !ok || st.Outcome != OutcomeOK {
		t.Errorf("Status(startup) = %v, %v", st, ok)
	}
}

func TestRun_DisabledScriptsAreListedButNotRun(t *testing.T) {
	h := newHarness(t, nil)
	h.script("10.a", `true`)
	writeAtomic(t, filepath.Join(h.dir, "20.off"), preamble+`touch "$TMP/ran-20"`+"\n", 0o644)
	h.script("30.c", `true`)

	res := h.mustRun("monitor", 5*time.Second)

	if got, want := summary(res), "10.a=OK 20.off=DISABLED 30.c=OK"; got != want {
		t.Fatalf("scripts = %q, want %q", got, want)
	}
	if res.Outcome != OutcomeOK {
		t.Errorf("outcome = %v", res.Outcome)
	}
	if h.exists("ran-20") {
		t.Error("disabled script was run")
	}
}

func TestRun_CannotRun(t *testing.T) {
	cases := []struct {
		name    string
		make    func(t *testing.T, path string)
		wantErr string
	}{
		{"no shebang", func(t *testing.T, p string) { writeAtomic(t, p, "echo hi\n", 0o755) }, "exec format error"},
		{"bad interpreter", func(t *testing.T, p string) { writeAtomic(t, p, "#!/nonexistent/shell\n", 0o755) }, "no such file or directory"},
		{"directory", func(t *testing.T, p string) {
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}, "permission denied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			tc.make(t, filepath.Join(h.dir, "10.broken"))
			h.script("20.after", `touch "$TMP/ran-20"`)

			res := h.mustRun("monitor", 5*time.Second)

			if got := summary(res); got != "10.broken=CANNOT RUN" {
				t.Fatalf("scripts = %q", got)
			}
			s := res.Scripts[0]
			if !strings.Contains(s.Err, tc.wantErr) {
				t.Errorf("Err = %q, want it to contain %q", s.Err, tc.wantErr)
			}
			if res.Outcome != OutcomeError || res.ExitCode != exitCannotRun {
				t.Errorf("outcome = %v exit %d, want ERROR %d", res.Outcome, res.ExitCode, exitCannotRun)
			}
			if h.exists("ran-20") {
				t.Error("script after a CANNOT RUN was run")
			}
		})
	}
}

func TestRun_ScriptKilledBySignalIsError(t *testing.T) {
	h := newHarness(t, nil)
	h.script("10.suicide", `kill -USR1 $$`)

	res := h.mustRun("monitor", 5*time.Second)

	s := res.Scripts[0]
	if s.State != StateError || s.Signal != "SIGUSR1" || s.ExitCode != 128+int(syscall.SIGUSR1) {
		t.Fatalf("got %v signal %q exit %d, want ERROR SIGUSR1 %d", s.State, s.Signal, s.ExitCode, 128+int(syscall.SIGUSR1))
	}
	if res.Outcome != OutcomeError || res.ExitCode != s.ExitCode {
		t.Errorf("outcome = %v exit %d", res.Outcome, res.ExitCode)
	}
}

func TestRun_CapturesStdoutAndStderrAndLogsLines(t *testing.T) {
	h := newHarness(t, nil)
	h.script("10.talk", `echo out1; echo err1 >&2; printf 'out2\nno newline'`)

	res := h.mustRun("monitor", 5*time.Second)

	if got, want := res.Scripts[0].Output, "out1\nerr1\nout2\nno newline"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
	for _, line := range []string{"10.talk: out1", "10.talk: err1", "10.talk: out2", "10.talk: no newline"} {
		es := h.logEntries(line)
		if len(es) != 1 || es[0].Message != line {
			t.Errorf("want exactly one log line %q, got %d", line, len(es))
			continue
		}
		if es[0].Data["tag"] != "ctdb-eventd" {
			t.Errorf("log line %q lost the logger's fields: %v", line, es[0].Data)
		}
	}
}

func TestRun_TruncatesOutputKeepingTheEnd(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.OutputMax = 64 })
	h.script("10.chatty", `i=0; while [ $i -lt 100 ]; do printf '%04d,' $i; i=$((i+1)); done; echo END`)
	var full strings.Builder
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&full, "%04d,", i)
	}
	full.WriteString("END\n")
	all := full.String()

	res := h.mustRun("monitor", 5*time.Second)

	want := fmt.Sprintf("[output truncated: last 64 of %d bytes]\n%s", len(all), all[len(all)-64:])
	if got := res.Scripts[0].Output; got != want {
		t.Errorf("output =\n%q\nwant\n%q", got, want)
	}
	// The long line is logged in OutputMax-sized pieces, none lost.
	var logged strings.Builder
	for _, e := range h.logEntries("10.chatty: ") {
		logged.WriteString(strings.TrimPrefix(e.Message, "10.chatty: "))
	}
	if logged.String() != strings.TrimSuffix(all, "\n") {
		t.Errorf("logged pieces join to %q", logged.String())
	}
}

func TestRun_BackgroundChildHoldingOutputDoesNotBlock(t *testing.T) {
	h := newHarness(t, nil)
	h.script("10.daemonize", `sleep 30 & echo hi`)

	start := time.Now()
	res := h.mustRun("startup", 10*time.Second)

	if el := time.Since(start); el > time.Second {
		t.Errorf("Run took %v: it waited for the background child's pipe", el)
	}
	if summary(res) != "10.daemonize=OK" || res.Scripts[0].Output != "hi\n" {
		t.Errorf("result = %s %q", summary(res), res.Scripts[0].Output)
	}
}

func TestRun_NoScripts(t *testing.T) {
	h := newHarness(t, nil)
	res := h.mustRun("monitor", time.Second)
	if res.Outcome != OutcomeOK || len(res.Scripts) != 0 {
		t.Errorf("result = %v %s", res.Outcome, summary(res))
	}
}

func TestRun_RejectsBadRequests(t *testing.T) {
	h := newHarness(t, nil)
	cases := []struct {
		event   string
		args    []string
		timeout time.Duration
		want    string
	}{
		{"", nil, time.Second, "invalid event name"},
		{"../x", nil, time.Second, "invalid event name"},
		{"mon itor", nil, time.Second, "invalid event name"},
		{"takeip", []string{"eth0", "a\x00b"}, time.Second, "argument 2 contains a NUL byte"},
		{"monitor", nil, 0, "timeout is 0s"},
	}
	for _, tc := range cases {
		res, err := h.run(tc.event, tc.timeout, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || res != nil {
			t.Errorf("Run(%q, %q, %v) = %v, %v; want error containing %q", tc.event, tc.args, tc.timeout, res, err, tc.want)
		}
	}
}

func TestRun_WeirdFilesDoNotPanic(t *testing.T) {
	h := newHarness(t, nil)
	if err := os.Symlink(filepath.Join(h.tmp, "nowhere"), filepath.Join(h.dir, "10.dangling")); err != nil {
		t.Fatal(err)
	}
	h.script("20.ok", `true`)
	writeAtomic(t, filepath.Join(h.tmp, "target"), preamble+"true\n", 0o755)
	if err := os.Symlink(filepath.Join(h.tmp, "target"), filepath.Join(h.dir, "30.link")); err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, filepath.Join(h.dir, "40.unreadable"), preamble+"true\n", 0o111)
	for _, ignored := range []string{"50.x~", "50.x.rpmnew", "50.x.rpmsave", "50.x.dpkg-old", "50.x.orig", "50.x.swp", ".50.x", "5.x", "500.x", "README", "50.a.b"} {
		writeAtomic(t, filepath.Join(h.dir, ignored), "#!/bin/sh\nexit 1\n", 0o755)
	}

	list, err := h.r.ListScripts()
	if err != nil {
		t.Fatal(err)
	}
	want := []ScriptInfo{{"10.dangling", false}, {"20.ok", true}, {"30.link", true}, {"40.unreadable", true}}
	if fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("ListScripts = %v, want %v", list, want)
	}
	res := h.mustRun("monitor", 5*time.Second)
	if got := summary(res); !strings.HasPrefix(got, "10.dangling=DISABLED 20.ok=OK 30.link=OK 40.unreadable=") {
		t.Errorf("scripts = %q", got)
	}
}

func TestNew_RejectsBadConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{}, "Config.Dir and Config.LegacyDir are both empty"},
		{Config{Dir: filepath.Join(dir, "missing")}, "no such file"},
		{Config{Dir: file}, "is not a directory"},
		{Config{Dir: dir, KillGrace: -time.Second}, "Config.KillGrace is -1s"},
		{Config{Dir: dir, ReapWait: -1}, "Config.ReapWait"},
		{Config{Dir: dir, DebugTimeout: -1}, "Config.DebugTimeout"},
		{Config{Dir: dir, OutputMax: -5}, "Config.OutputMax is -5"},
	}
	for _, tc := range cases {
		r, err := New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) error = %v, want %q", tc.cfg, err, tc.want)
		}
		if r != nil {
			r.Close()
		}
	}
}
