package daemon

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/ctdb-go/ctdb/internal/config"
	"github.com/ctdb-go/ctdb/internal/helperbin"
	"github.com/ctdb-go/ctdb/internal/logging"
)

// daemonChildEnv marks the re-executed, detached child of a daemonizing
// ctdbd; fd 3 is then a pipe on which it reports startup to its parent.
const daemonChildEnv = "CTDBD_DAEMON_CHILD"

// Main is ctdbd's command line: it loads and checks the whole
// configuration first (so a bad file is reported on the terminal and nothing
// starts), then runs in the foreground with --interactive, or detaches.
func Main(args []string) int {
	fs := flag.NewFlagSet("ctdbd", flag.ContinueOnError)
	interactive := fs.Bool("interactive", false, "run in the foreground and log to stderr")
	fs.BoolVar(interactive, "i", false, "short for --interactive")
	configDir := fs.String("config-dir", "", "configuration directory (default $CTDB_BASE or /etc/ctdb)")
	version := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "ctdbd: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *version {
		fmt.Println(Version)
		return 0
	}
	cfg, err := config.Load(config.Options{ConfigDir: *configDir})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ctdbd: %v\n", err)
		return 1
	}
	child := os.Getenv(daemonChildEnv) == "1"
	// Under systemd (Type=notify) ctdbd stays in the foreground, so that
	// it is the service's main process, and logs where configured.
	if !*interactive && !child && os.Getenv("NOTIFY_SOCKET") == "" {
		return detach()
	}
	return run(cfg, *interactive, child)
}

// detach re-executes ctdbd as a session leader with no terminal and waits
// for it to report that its control socket is up, so the exit status of
// `ctdbd` says whether the daemon started.
func detach() int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "ctdbd: %v\n", err)
		return 1
	}
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "ctdbd: %v\n", err)
		return 1
	}
	devnull, _ := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), daemonChildEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Dir = "/"
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "ctdbd: %v\n", err)
		return 1
	}
	w.Close()
	msg, _ := io.ReadAll(io.LimitReader(r, 64<<10))
	if s := string(msg); s == "ok\n" {
		return 0
	} else if s != "" {
		fmt.Fprintf(os.Stderr, "ctdbd: %s", s)
	} else {
		fmt.Fprintln(os.Stderr, "ctdbd: the daemon exited during startup; see its log")
	}
	return 1
}

func run(cfg *config.Config, interactive, child bool) int {
	var report *os.File
	if child {
		report = os.NewFile(3, "startup-report")
	}
	loc := cfg.Logging.Location
	if interactive {
		loc = "stderr"
	}
	logger, err := logging.New(logging.Options{Location: loc, Level: cfg.Logging.Level, Tag: "ctdbd"})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ctdbd: logging: %v\n", err)
		readyReport(report, err)
		return 1
	}
	defer logger.Close()

	helpers, path := helperDirs()
	recdLog := ""
	if interactive {
		recdLog = "stderr"
	}
	d, err := New(Options{Config: cfg, Logger: logger, HelperDir: helpers, Path: path, RecoverdLog: recdLog, LogLocation: loc,
		Ready: func(err error) { readyReport(report, err) }})
	if err != nil {
		logger.WithField(logging.TagField, "ctdbd").Errorf("Cannot start: %v", err)
		fmt.Fprintf(os.Stderr, "ctdbd: %v\n", err)
		readyReport(report, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for range hup {
			if err := logger.Reopen(); err != nil {
				fmt.Fprintf(os.Stderr, "ctdbd: reopen log: %v\n", err)
			}
		}
	}()
	if err := d.Run(ctx); err != nil {
		logger.WithField(logging.TagField, "ctdbd").Errorf("Exiting: %v", err)
		if interactive {
			fmt.Fprintf(os.Stderr, "ctdbd: %v\n", err)
		}
		return 1
	}
	return 0
}

var reported bool

// readyReport tells a waiting parent how startup went (once).
func readyReport(f *os.File, err error) {
	if f == nil || reported {
		return
	}
	reported = true
	if err != nil {
		fmt.Fprintf(f, "%v\n", err)
	} else {
		fmt.Fprint(f, "ok\n")
	}
	f.Close()
}

// helperDirs finds ctdb_probe and the other helpers, and the directories
// to put first on the eventscripts' PATH (so they find `ctdb` too): the
// helpers' directory, ctdbd's own and PREFIX/bin (see helperbin.Dirs).
func helperDirs() (helpers string, path []string) {
	helpers, exeDir, toolDir := helperbin.Dirs(nil, "", "ctdb_probe")
	return helpers, []string{helpers, exeDir, toolDir}
}
