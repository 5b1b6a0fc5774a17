package config

import "path/filepath"

// DefaultSocket is ctdbd's socket when nothing relocates it.
const DefaultSocket = DefaultRunDir + "/" + SocketName

// ToolSocketPath tells the ctdb CLI where ctdbd listens: $CTDB_SOCKET if
// set; else the socket named by the ctdb.conf under $CTDB_BASE (or
// /etc/ctdb), which honours $CTDB_RUNDIR and [paths]; else
// /var/run/ctdb/ctdbd.socket. A missing or broken ctdb.conf is tolerated
// (the CLI should still reach a default daemon), so this never fails.
// getenv nil = os.Getenv.
func ToolSocketPath(getenv func(string) string) string {
	getenv = orOSGetenv(getenv)
	if s := getenv("CTDB_SOCKET"); s != "" {
		return s
	}
	dir := ResolveConfigDir(Options{Getenv: getenv})
	c, err := ParseConf(filepath.Join(dir, ConfFileName), getenv)
	if err != nil {
		return DefaultSocket
	}
	return c.Paths.Socket
}
