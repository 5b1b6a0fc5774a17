// Package rsyslogd runs a private rsyslogd for tests that need a real
// syslog daemon to parse what they send.
//
// The daemon listens only on its own Unix datagram sockets (imuxsock with
// the system socket turned off): no /dev/log, no kernel log, no network.
// Everything it receives is written to one file, one line per message:
//
//	TIMESTAMP HOST PROGRAMNAME[PROCID]: MSG
//
// where HOST, PROGRAMNAME and PROCID are what rsyslog parsed from the
// message, so tests can check the host, tag and PID a client sent.
// TIMESTAMP is the time of reception.
package rsyslogd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/harness/suite"
)

// Server is a running rsyslogd.
type Server struct {
	// Socket takes local syslog messages, as /dev/log does: RFC 3164
	// without host name; HOST in the output is this machine.
	Socket string
	// NetSocket takes messages parsed as if they came over the network:
	// RFC 3164 with a host name, or RFC 5424. HOST in the output is the
	// one in the message. It lets tests check UDP formats without UDP.
	NetSocket string
	Output    string // file the received messages are written to
	PID       int    // rsyslogd's process id

	dir    string
	stderr *lockedBuffer // rsyslogd's stdout and stderr
	exited chan struct{} // closed when the process has been reaped
}

// How long Start waits for the socket and Cleanup for the exit.
const (
	startTimeout = 10 * time.Second
	stopTimeout  = 5 * time.Second
	pollInterval = 10 * time.Millisecond
)

// Start runs rsyslogd in the foreground in a fresh temporary directory and
// returns once its sockets exist. The test is skipped if rsyslogd is not
// installed (Debian package rsyslog). Cleanup stops the daemon by PID and
// removes the directory.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := findRsyslogd()
	if bin == "" {
		suite.Skip(t, suite.Syslog, "rsyslogd not found in PATH or /usr/sbin (Debian package rsyslog)")
	}
	// A short directory under the system temp dir: t.TempDir() paths can
	// exceed the 108-byte limit on Unix socket names.
	dir, err := os.MkdirTemp("", "rsyslogd")
	if err != nil {
		t.Fatalf("rsyslogd: %v", err)
	}
	s := &Server{
		Socket:    filepath.Join(dir, "log.sock"),
		NetSocket: filepath.Join(dir, "net.sock"),
		Output:    filepath.Join(dir, "messages"),
		dir:       dir,
		stderr:    &lockedBuffer{},
		exited:    make(chan struct{}),
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s.start(t, bin)
	return s
}

func findRsyslogd() string {
	if p, err := exec.LookPath("rsyslogd"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/rsyslogd", "/sbin/rsyslogd"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func (s *Server) start(t testing.TB, bin string) {
	t.Helper()
	conf := filepath.Join(s.dir, "rsyslog.conf")
	if err := os.WriteFile(conf, []byte(s.config()), 0o644); err != nil {
		t.Fatalf("rsyslogd: %v", err)
	}
	cmd := exec.Command(bin, "-n", "-f", conf, "-i", filepath.Join(s.dir, "rsyslogd.pid"))
	cmd.Dir = s.dir
	cmd.Stdout = s.stderr
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("rsyslogd: start %s: %v", bin, err)
	}
	s.PID = cmd.Process.Pid
	go func() {
		cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() { s.stop(t, cmd.Process) })
	s.waitForSockets(t)
}

// config is the whole rsyslog configuration: our two sockets in, one file
// out, no rate limiting. UseSpecialParser="off" sends NetSocket's messages
// through rsyslog's normal parser chain (RFC 5424, then RFC 3164 with host
// name) instead of imuxsock's local-message parser.
func (s *Server) config() string {
	return fmt.Sprintf(`global(workDirectory=%q)
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket=%q RateLimit.Interval="0")
input(type="imuxsock" Socket=%q RateLimit.Interval="0" UseSpecialParser="off" ParseHostname="on")
template(name="testfmt" type="string"
  string="%%timereported:::date-rfc3339%% %%hostname%% %%programname%%[%%procid%%]:%%msg:::sp-if-no-1st-sp%%%%msg:::drop-last-lf%%\n")
*.* action(type="omfile" file=%q template="testfmt")
`, s.dir, s.Socket, s.NetSocket, s.Output)
}

func (s *Server) waitForSockets(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		if exists(s.Socket) && exists(s.NetSocket) {
			return
		}
		select {
		case <-s.exited:
			t.Fatalf("rsyslogd exited before creating its sockets in %s; its output:\n%s", s.dir, s.stderr)
		case <-time.After(pollInterval):
		}
		if time.Now().After(deadline) {
			t.Fatalf("rsyslogd (pid %d) did not create its sockets in %s within %v; its output:\n%s",
				s.PID, s.dir, startTimeout, s.stderr)
		}
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// stop sends SIGTERM, then SIGKILL if rsyslogd has not exited in time,
// and waits until it is reaped.
func (s *Server) stop(t testing.TB, p *os.Process) {
	if err := p.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Logf("rsyslogd: SIGTERM pid %d: %v", s.PID, err)
	}
	select {
	case <-s.exited:
		return
	case <-time.After(stopTimeout):
	}
	t.Logf("rsyslogd: pid %d ignored SIGTERM for %v, killing it", s.PID, stopTimeout)
	p.Kill()
	<-s.exited
}

// Lines returns the messages rsyslogd has written so far (none if the
// output file does not exist yet).
func (s *Server) Lines() []string {
	b, err := os.ReadFile(s.Output)
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// WaitFor polls the output until a line contains substr and returns that
// line. It fails the test, showing the whole output, if none appears
// within timeout.
func (s *Server) WaitFor(t testing.TB, substr string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, l := range s.Lines() {
			if strings.Contains(l, substr) {
				return l
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("rsyslogd output has no line containing %q after %v; output:\n%s",
				substr, timeout, strings.Join(s.Lines(), "\n"))
		}
		time.Sleep(pollInterval)
	}
}

// lockedBuffer collects the daemon's output while tests may read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
