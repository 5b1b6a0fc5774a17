package ipguard

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Client is ctdbd's side of the guard. A nil *Client is no guard: every
// method does nothing.
type Client struct {
	mu  sync.Mutex
	w   io.WriteCloser
	cmd *exec.Cmd
	// every is how often it needs a ping (PingEvery).
	every    time.Duration
	lastPing time.Time
}

// PingEvery is the ping period for a guard with the given timeout: two
// fifths of it, at most once a second. Each ping wakes both ctdbd's
// leader-contact loop and the guard, so fewer save idle CPU; a ping can
// still be 1.5 s late at the default hold bound (2.5 s) before the guard
// acts, and a late ping only releases addresses early (never late).
func PingEvery(timeout time.Duration) time.Duration {
	return min(time.Second, timeout*2/5)
}

// Start starts the guard binary at path; timeout is how long it waits for
// a ping; it logs to logLocation with the tag ctdbd-ipguard.
func Start(path string, timeout time.Duration, logLocation, level string) (*Client, error) {
	cmd := exec.Command(path, timeout.String(), logLocation, level)
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
	return &Client{w: w, cmd: cmd, every: PingEvery(timeout)}, nil
}

func (c *Client) send(line string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintln(c.w, line)
}

// Add tells the guard that ctdbd holds prefix on iface.
func (c *Client) Add(iface, prefix string) { c.send(addLine(iface, prefix)) }

// Del tells the guard that ctdbd released prefix from iface.
func (c *Client) Del(iface, prefix string) { c.send(delLine(iface, prefix)) }

// Ping pings the guard if its period has passed since the last ping.
func (c *Client) Ping() {
	if c == nil {
		return
	}
	c.mu.Lock()
	due := time.Since(c.lastPing) >= c.every
	if due {
		c.lastPing = time.Now()
	}
	c.mu.Unlock()
	if due {
		c.send(pingLine)
	}
}

// NextPing is how long until the next ping is due (a second without a
// guard).
func (c *Client) NextPing() time.Duration {
	if c == nil {
		return time.Second
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return max(0, c.every-time.Since(c.lastPing))
}

// Close ends the guard without removing anything (clean shutdown: ctdbd
// released its addresses itself).
func (c *Client) Close() {
	if c == nil {
		return
	}
	c.send(exitLine)
	c.mu.Lock()
	c.w.Close()
	c.mu.Unlock()
}

// Cmd is the guard process (nil: no guard).
func (c *Client) Cmd() *exec.Cmd {
	if c == nil {
		return nil
	}
	return c.cmd
}
