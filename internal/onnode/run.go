package onnode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
)

// runner runs one command line on targets through a remote shell.
type runner struct {
	ssh       []string // the remote shell command: $ONNODE_SSH split into words
	plainSSH  bool     // ssh itself: -n closes its stdin, -o ConnectTimeout works
	timeout   int      // -t: ssh connect timeout in seconds, 0 = ssh's default
	keepStdin bool     // -i
	parallel  bool     // -p
	headers   bool     // print which node each output comes from
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
}

// remoteArgs is the command line that runs cmd on addr.
func (r *runner) remoteArgs(addr, cmd string) []string {
	args := append([]string{}, r.ssh...)
	if r.plainSSH {
		if !r.keepStdin || r.parallel {
			args = append(args, "-n")
		}
		if r.timeout > 0 {
			args = append(args, "-o", fmt.Sprintf("ConnectTimeout=%d", r.timeout))
		}
	}
	return append(args, addr, cmd)
}

// run runs cmd on every target and returns onnode's exit status: 0 when
// every node's command succeeded, else the status of the last one that
// failed (in target order).
func (r *runner) run(targets []Target, cmd string) int {
	codes := make([]int, len(targets))
	if r.parallel {
		var wg sync.WaitGroup
		var mu sync.Mutex // one whole line at a time on each stream
		for i, t := range targets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				prefix := ""
				if r.headers {
					prefix = "[" + t.Addr + "] "
				}
				out := &lineWriter{mu: &mu, w: r.stdout, prefix: prefix}
				errw := &lineWriter{mu: &mu, w: r.stderr, prefix: prefix}
				codes[i] = r.runOne(t, cmd, nil, out, errw)
				out.Flush()
				errw.Flush()
			}()
		}
		wg.Wait()
	} else {
		for i, t := range targets {
			if r.headers {
				if i > 0 {
					fmt.Fprintln(r.stdout)
				}
				fmt.Fprintf(r.stdout, ">> NODE: %s <<\n", t.Addr)
			}
			var in io.Reader
			if r.keepStdin {
				in = r.stdin
			}
			codes[i] = r.runOne(t, cmd, in, r.stdout, r.stderr)
		}
	}
	rc := 0
	for _, c := range codes {
		if c != 0 {
			rc = c
		}
	}
	return rc
}

// runOne runs cmd on one target; a remote shell that cannot be started is
// reported and counts as status 127, as a shell would.
func (r *runner) runOne(t Target, cmd string, in io.Reader, out, errw io.Writer) int {
	args := r.remoteArgs(t.Addr, cmd)
	c := exec.Command(args[0], args[1:]...)
	c.Stdin, c.Stdout, c.Stderr = in, out, errw
	err := c.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ee.ExitCode() < 0 {
			return 128 + 1 // killed by a signal
		}
		return ee.ExitCode()
	default:
		fmt.Fprintf(errw, "onnode: cannot run %q for node %s: %v\n", args[0], t.Addr, err)
		return 127
	}
}

// lineWriter prefixes every line and writes only whole lines, so the
// output of parallel commands does not interleave within a line.
type lineWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
	buf    bytes.Buffer
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.buf.Write(p)
	for {
		i := bytes.IndexByte(l.buf.Bytes(), '\n')
		if i < 0 {
			return len(p), nil
		}
		line := l.buf.Next(i + 1)
		l.mu.Lock()
		io.WriteString(l.w, l.prefix)
		l.w.Write(line)
		l.mu.Unlock()
	}
}

// Flush writes a last line that has no newline.
func (l *lineWriter) Flush() {
	if l.buf.Len() == 0 {
		return
	}
	l.mu.Lock()
	io.WriteString(l.w, l.prefix)
	l.w.Write(l.buf.Bytes())
	io.WriteString(l.w, "\n")
	l.mu.Unlock()
	l.buf.Reset()
}

var _ io.Writer = (*lineWriter)(nil)
