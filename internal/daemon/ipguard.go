package daemon

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ctdb-go/ctdb/internal/logging"
	"github.com/ctdb-go/ctdb/internal/netif"
	"github.com/sirupsen/logrus"
)

// The address guard ties a public address's life on this node to the
// daemon's. It is a small child process (ctdbd re-executed with
// --ip-guard) that ctdbd tells, over a pipe, which addresses it holds, and
// pings. When the pipe closes without a clean "exit" (ctdbd died, kill -9
// included), or no ping arrives for the release bound (ctdbd hangs, e.g.
// SIGSTOP), the guard removes every address it knows of at once, so a dead
// or hung daemon never leaves an address that the leader is about to give
// to another node. CTDB leaves a killed daemon's addresses configured.

// GuardFlag is the hidden ctdbd flag that runs the guard.
const GuardFlag = "--ip-guard"

type ipGuard struct {
	mu  sync.Mutex
	w   io.WriteCloser
	cmd *exec.Cmd
	// every is how often it needs a ping: a fifth of its timeout, at most
	// once a second (each ping wakes the guard; fewer save idle CPU).
	every    time.Duration
	lastPing time.Time
	now      func() time.Time // the clock; nil means time.Now (tests set a fake)
}

// guardPingEvery is the ping period for a guard with the given timeout.
func guardPingEvery(timeout time.Duration) time.Duration {
	return min(time.Second, timeout/5)
}

// startGuard starts the guard; timeout is how long it waits for a ping;
// it logs to logLocation with the tag ctdbd-ipguard.
func startGuard(timeout time.Duration, logLocation, level string) (*ipGuard, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, GuardFlag, timeout.String(), logLocation, level)
	w, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	// Own process group: a signal to ctdbd's group does not reach it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go cmd.Wait()
	return &ipGuard{w: w, cmd: cmd, every: guardPingEvery(timeout)}, nil
}

func (g *ipGuard) send(format string, args ...any) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	fmt.Fprintf(g.w, format+"\n", args...)
}

func (g *ipGuard) add(iface, prefix string) { g.send("add %s %s", iface, prefix) }
func (g *ipGuard) del(iface, prefix string) { g.send("del %s %s", iface, prefix) }

// ping pings the guard if its period has passed since the last ping.
func (g *ipGuard) ping() {
	if g == nil {
		return
	}
	g.mu.Lock()
	now := time.Now
	if g.now != nil {
		now = g.now
	}
	t := now()
	due := t.Sub(g.lastPing) >= g.every
	if due {
		g.lastPing = t
	}
	g.mu.Unlock()
	if due {
		g.send("ping")
	}
}

// close ends the guard without removing anything (clean shutdown: ctdbd
// released its addresses itself).
func (g *ipGuard) close() {
	if g == nil {
		return
	}
	g.send("exit")
	g.mu.Lock()
	g.w.Close()
	g.mu.Unlock()
}

// GuardMain is the guard process: args are the ping timeout, the log
// location and the log level.
func GuardMain(args []string) int {
	if len(args) != 3 {
		fmt.Fprintln(os.Stderr, "ctdbd ip guard: want TIMEOUT LOCATION LEVEL")
		return 2
	}
	timeout, err := time.ParseDuration(args[0])
	if err != nil || timeout <= 0 {
		fmt.Fprintf(os.Stderr, "ctdbd ip guard: bad timeout %q\n", args[0])
		return 2
	}
	logger, err := logging.New(logging.Options{Location: args[1], Level: args[2], Tag: "ctdbd-ipguard"})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ctdbd ip guard: %v\n", err)
		return 2
	}
	defer logger.Close()
	log := logger.WithField(logging.TagField, "ctdbd-ipguard")
	held := map[string]string{} // prefix -> iface
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timer := time.NewTimer(timeout)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				removeAll(log, held, "ctdbd exited")
				return 0
			}
			f := strings.Fields(line)
			switch {
			case len(f) == 1 && f[0] == "exit":
				return 0
			case len(f) == 1 && f[0] == "ping":
			case len(f) == 3 && f[0] == "add":
				held[f[2]] = f[1]
			case len(f) == 3 && f[0] == "del":
				delete(held, f[2])
			}
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
			timer.Reset(timeout)
		case <-timer.C:
			removeAll(log, held, fmt.Sprintf("no word from ctdbd for %v", timeout))
			held = map[string]string{}
			timer.Reset(timeout)
		}
	}
}

func removeAll(log *logrus.Entry, held map[string]string, why string) {
	// Reset the clients' connections first, on every address, so they
	// reconnect to the addresses' next nodes at once instead of waiting for
	// TCP timeouts. All of them before any delete: deleting the first
	// address of a subnet makes the kernel drop its secondaries too.
	resets := 0
	for prefix := range held {
		if p, err := netip.ParsePrefix(prefix); err == nil {
			n, _ := netif.KillConnections(p.Addr())
			resets += n
		}
	}
	for prefix, iface := range held {
		out, err := exec.Command("ip", "addr", "del", prefix, "dev", iface).CombinedOutput()
		if err != nil && !strings.Contains(string(out), "not found") {
			log.Errorf("%s: cannot remove %s from %s: %v %s", why, prefix, iface, err, strings.TrimSpace(string(out)))
			continue
		}
		log.Warningf("%s: removed public address %s from %s", why, prefix, iface)
	}
	log.Warningf("%s: reset %d client connections", why, resets)
}
