package helpers

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/ctdb-go/ctdb/internal/config"
)

const pathUsage = `Usage: ctdb-path [<options>] <command> [<args>]

Commands:
  config                    Get path of CTDB config file
  pidfile <daemon>          Get path of CTDB daemon pidfile
  socket <daemon>           Get path of CTDB daemon socket
  datadir append <path>     Get path relative to CTDB DATADIR
  datadir                   Get path of CTDB DATADIR
  etcdir append <path>      Get path relative to CTDB ETCDIR
  etcdir                    Get path of CTDB ETCDIR
  rundir append <path>      Get path relative to CTDB RUNDIR
  rundir                    Get path of CTDB RUNDIR
  vardir append <path>      Get path relative to CTDB VARDIR
  vardir                    Get path of CTDB VARDIR
`

// PathMain is ctdb-path. Paths follow ctdbd's resolution: $CTDB_BASE,
// ctdb.conf's [paths], $CTDB_RUNDIR, $CTDB_VARDIR, $CTDB_SOCKET and
// $CTDB_DATADIR.
func PathMain(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, pathUsage)
		return exitUsage
	}
	dir := config.ResolveConfigDir(config.Options{Getenv: getenv})
	c, err := config.ParseConf(filepath.Join(dir, config.ConfFileName), getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitInvalid
	}
	dirs := map[string]string{"datadir": c.Paths.DataDir, "etcdir": dir, "rundir": c.Paths.RunDir, "vardir": c.Paths.VarDir}
	cmd, rest := args[0], args[1:]
	switch {
	case cmd == "config" && len(rest) == 0:
		fmt.Fprintln(stdout, filepath.Join(dir, config.ConfFileName))
	case cmd == "pidfile" && len(rest) == 1:
		fmt.Fprintln(stdout, filepath.Join(c.Paths.RunDir, rest[0]+".pid"))
	case cmd == "socket" && len(rest) == 1 && rest[0] == "ctdbd":
		fmt.Fprintln(stdout, c.Paths.Socket)
	case cmd == "socket" && len(rest) == 1:
		fmt.Fprintln(stdout, filepath.Join(c.Paths.RunDir, rest[0]+".socket"))
	case dirs[cmd] != "" && len(rest) == 0:
		fmt.Fprintln(stdout, dirs[cmd])
	case dirs[cmd] != "" && len(rest) == 2 && rest[0] == "append":
		fmt.Fprintln(stdout, filepath.Join(dirs[cmd], rest[1]))
	case cmd == "config" || cmd == "pidfile" || cmd == "socket" || dirs[cmd] != "":
		fmt.Fprintf(stderr, "Usage: ctdb-path %s\n", pathCommandUsage(cmd))
		return exitInvalid
	default:
		fmt.Fprint(stderr, pathUsage)
		return exitUsage
	}
	return 0
}

func pathCommandUsage(cmd string) string {
	switch cmd {
	case "config":
		return "config"
	case "pidfile", "socket":
		return cmd + " <daemon>"
	}
	return cmd + " [append <path>]"
}
