package eventd

import (
	"os"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// capture reads a child's combined stdout and stderr from the read end of
// its pipe, keeping the tail and logging each line.
type capture struct {
	r    *os.File
	done chan struct{} // closed when loop has ended

	mu    sync.Mutex
	tail  tailBuffer
	lines lineLogger
}

func newCapture(r *os.File, max int, name string, log *logrus.Entry) *capture {
	return &capture{
		r:     r,
		done:  make(chan struct{}),
		tail:  tailBuffer{max: max},
		lines: lineLogger{name: name, log: log, max: maxLogLine},
	}
}

// loop reads until EOF, an error, or the read deadline set by finish.
func (c *capture) loop() {
	defer close(c.done)
	buf := make([]byte, 4096)
	for {
		n, err := c.r.Read(buf)
		if n > 0 {
			c.mu.Lock()
			c.tail.Write(buf[:n])
			c.lines.Write(buf[:n])
			c.mu.Unlock()
		}
		if err != nil {
			break
		}
	}
	c.mu.Lock()
	c.lines.Flush()
	c.mu.Unlock()
}

// finish stops reading at most drain from now (at once for 0), closes the
// pipe and returns the captured output. It never waits for EOF: a
// background child of the script may hold the pipe open indefinitely.
func (c *capture) finish(drain time.Duration) string {
	if err := c.r.SetReadDeadline(time.Now().Add(drain)); err != nil {
		drain = 0 // not pollable: we cannot interrupt the read, so don't wait for it
	}
	t := time.NewTimer(drain + 50*time.Millisecond)
	select {
	case <-c.done:
	case <-t.C:
	}
	t.Stop()
	c.r.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tail.String()
}

// snapshot returns the output captured so far, without stopping.
func (c *capture) snapshot() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tail.String()
}
