package hangfs

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The control protocol is one request line and one reply line per exchange,
// over a unix stream socket:
//
//	freeze                     -> ok
//	thaw                       -> ok
//	status                     -> ok frozen=0|1 blocked=N
//	wait-blocked N [TIMEOUT]   -> ok blocked=N   (TIMEOUT: Go duration or seconds, default 10s)
//
// Failures reply "error MESSAGE". The socket never touches the mount, so it
// answers while frozen.

// DefaultWaitBlockedTimeout applies to wait-blocked without a timeout.
const DefaultWaitBlockedTimeout = 10 * time.Second

// Controlled is what the control socket drives; *FS implements it.
type Controlled interface {
	Freeze()
	Thaw()
	Frozen() bool
	Blocked() int
	WaitBlocked(n int, timeout time.Duration) error
}

var _ Controlled = (*FS)(nil)

// ControlServer serves the control protocol on a unix socket.
type ControlServer struct {
	path   string
	ln     net.Listener
	target Controlled

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// ListenControl creates the control socket at path (mode 0600) and serves
// target on it. A socket file left by a dead server is replaced; one that
// still answers is an error.
func ListenControl(path string, target Controlled) (*ControlServer, error) {
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("hangfs: control socket %s is in use by another server", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("hangfs: remove stale control socket: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("hangfs: control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("hangfs: control socket: %w", err)
	}
	s := &ControlServer{path: path, ln: ln, target: target, conns: make(map[net.Conn]struct{})}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Close stops serving, closes open connections, waits for their handlers
// and removes the socket file.
func (s *ControlServer) Close() error {
	err := s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *ControlServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serveConn(c)
	}
}

func (s *ControlServer) serveConn(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		if _, err := fmt.Fprintln(c, HandleControl(s.target, sc.Text())); err != nil {
			return
		}
	}
}

// HandleControl executes one request line on target and returns the reply
// line (without newline).
func HandleControl(target Controlled, line string) string {
	f := strings.Fields(line)
	if len(f) == 0 {
		return "error empty request"
	}
	switch {
	case f[0] == "freeze" && len(f) == 1:
		target.Freeze()
		return "ok"
	case f[0] == "thaw" && len(f) == 1:
		target.Thaw()
		return "ok"
	case f[0] == "status" && len(f) == 1:
		return "ok " + statusText(target.Frozen(), target.Blocked())
	case f[0] == "wait-blocked" && (len(f) == 2 || len(f) == 3):
		return handleWaitBlocked(target, f[1:])
	case f[0] == "wait-blocked":
		return "error usage: wait-blocked N [TIMEOUT]"
	case f[0] == "freeze" || f[0] == "thaw" || f[0] == "status":
		return fmt.Sprintf("error %s takes no arguments", f[0])
	}
	return fmt.Sprintf("error unknown command %q (want freeze, thaw, status or wait-blocked)", f[0])
}

func statusText(frozen bool, blocked int) string {
	fz := 0
	if frozen {
		fz = 1
	}
	return fmt.Sprintf("frozen=%d blocked=%d", fz, blocked)
}

func handleWaitBlocked(target Controlled, args []string) string {
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 0 {
		return fmt.Sprintf("error wait-blocked: count %q is not a number >= 0", args[0])
	}
	timeout := DefaultWaitBlockedTimeout
	if len(args) == 2 {
		if timeout, err = ParseTimeout(args[1]); err != nil {
			return "error wait-blocked: " + err.Error()
		}
	}
	if err := target.WaitBlocked(n, timeout); err != nil {
		return "error " + strings.TrimPrefix(err.Error(), "hangfs: ")
	}
	return fmt.Sprintf("ok blocked=%d", target.Blocked())
}

// ParseTimeout accepts a Go duration ("1.5s", "200ms") or plain seconds
// ("2", "0.5").
func ParseTimeout(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return 0, fmt.Errorf("timeout %q is neither a duration (1.5s) nor seconds", s)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < 0 {
		return 0, fmt.Errorf("timeout %q is negative", s)
	}
	return d, nil
}

// ControlRequest sends one request line to the control socket at path and
// returns the reply text after "ok" (e.g. "frozen=1 blocked=3"). An "error"
// reply becomes an error. timeout bounds the whole exchange.
func ControlRequest(path, line string, timeout time.Duration) (string, error) {
	c, err := net.DialTimeout("unix", path, timeout)
	if err != nil {
		return "", fmt.Errorf("cannot connect to hangfs at %s: %w", path, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := fmt.Fprintln(c, line); err != nil {
		return "", fmt.Errorf("%s: send %q: %w", path, line, err)
	}
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("%s: no reply to %q: %w", path, line, err)
	}
	reply = strings.TrimSuffix(reply, "\n")
	switch {
	case reply == "ok":
		return "", nil
	case strings.HasPrefix(reply, "ok "):
		return reply[3:], nil
	case strings.HasPrefix(reply, "error "):
		return "", fmt.Errorf("%s: %s", path, reply[6:])
	}
	return "", fmt.Errorf("%s: malformed reply %q", path, reply)
}
