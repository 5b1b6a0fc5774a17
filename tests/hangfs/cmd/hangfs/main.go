// Command hangfs serves a freezable pass-through FUSE filesystem (package
// github.com/ctdb-go/ctdb/tests/hangfs) with a unix control socket, for
// tests that run real binaries against a hung filesystem.
//
//	hangfs mount --backing DIR --mnt MNT --control SOCK [--kernel-locks] [--interruptible] [--debug]
//	hangfs freeze SOCK
//	hangfs thaw SOCK
//	hangfs status SOCK                     (prints e.g. "frozen=1 blocked=3")
//	hangfs wait-blocked N [TIMEOUT] SOCK   (TIMEOUT: "2s" or seconds, default 10s)
//
// mount serves until SIGTERM or SIGINT, then thaws, unmounts and exits 0.
// Run it in a private mount namespace (unshare -m --propagation private) so
// the mount does not leak into namespaces created later.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ctdb-go/ctdb/tests/hangfs"
)

const usage = `usage:
  hangfs mount --backing DIR --mnt MNT --control SOCK [--kernel-locks] [--interruptible] [--debug]
  hangfs freeze|thaw|status SOCK
  hangfs wait-blocked N [TIMEOUT] SOCK`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "hangfs:", strings.TrimPrefix(err.Error(), "hangfs: "))
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "mount":
		return runMount(args[1:], stderr)
	case "freeze", "thaw", "status", "wait-blocked":
		return runClient(args[0], args[1:], stdout)
	}
	return fmt.Errorf("unknown verb %q\n%s", args[0], usage)
}

// runClient sends one control request; the socket is the last argument.
func runClient(verb string, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%s: missing control socket\n%s", verb, usage)
	}
	sock, params := args[len(args)-1], args[:len(args)-1]
	timeout := 5 * time.Second
	switch verb {
	case "wait-blocked":
		if len(params) < 1 || len(params) > 2 {
			return fmt.Errorf("wait-blocked: want N [TIMEOUT] SOCK\n%s", usage)
		}
		wait := hangfs.DefaultWaitBlockedTimeout
		if len(params) == 2 {
			d, err := hangfs.ParseTimeout(params[1])
			if err != nil {
				return fmt.Errorf("wait-blocked: %w", err)
			}
			wait = d
		}
		timeout += wait
	default:
		if len(params) != 0 {
			return fmt.Errorf("%s: takes only the control socket\n%s", verb, usage)
		}
	}
	line := verb
	for _, p := range params {
		line += " " + p
	}
	reply, err := hangfs.ControlRequest(sock, line, timeout)
	if err != nil {
		return err
	}
	if reply != "" {
		fmt.Fprintln(stdout, reply)
	}
	return nil
}

// runMount mounts, serves the control socket, and tears down on a signal:
// thaw, close the socket, unmount.
func runMount(args []string, stderr io.Writer) error {
	fl := flag.NewFlagSet("hangfs mount", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var o hangfs.Options
	var control string
	fl.StringVar(&o.Backing, "backing", "", "backing directory (required)")
	fl.StringVar(&o.Mountpoint, "mnt", "", "mountpoint (required)")
	fl.StringVar(&control, "control", "", "control socket path (required)")
	fl.BoolVar(&o.KernelLocks, "kernel-locks", false, "leave POSIX locks to the kernel (never blocked by a freeze)")
	fl.BoolVar(&o.Interruptible, "interruptible", false, "let signals interrupt parked requests")
	fl.BoolVar(&o.Debug, "debug", false, "log every FUSE request")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if o.Backing == "" || o.Mountpoint == "" || control == "" || fl.NArg() != 0 {
		return fmt.Errorf("mount: --backing, --mnt and --control are required, nothing else\n%s", usage)
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	f, err := hangfs.Mount(o)
	if err != nil {
		return err
	}
	ctl, err := hangfs.ListenControl(control, f)
	if err != nil {
		f.Unmount()
		return err
	}
	select {
	case <-sigs:
		f.Thaw()
		err := f.Unmount() // also ends pending wait-blocked requests
		ctl.Close()
		return err
	case <-f.Done():
		ctl.Close()
		f.Unmount()
		return fmt.Errorf("%s was unmounted from outside", f.Mountpoint())
	}
}
