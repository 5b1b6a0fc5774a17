package ctdbref

import (
	"fmt"
	"path/filepath"
)

// Paths of the installed Debian package.
const (
	ctdbdBin   = "/usr/sbin/ctdbd"
	ctdbBin    = "/usr/bin/ctdb"
	helperDir  = "/usr/libexec/ctdb"
	scriptDir  = "/usr/share/ctdb/events/legacy"
	functions  = "/etc/ctdb/functions"
	notifyHook = "/etc/ctdb/notify.sh"
	// Fixed directories of an installed ctdbd (outside test mode).
	etcDir = "/etc/ctdb"
	runDir = "/run/ctdb"
	varDir = "/var/lib/ctdb"
)

// layout names the files of a cluster under its base directory (see the
// package documentation).
type layout struct{ base string }

func (l layout) node(i int) string      { return filepath.Join(l.base, fmt.Sprintf("node%d", i)) }
func (l layout) run(i int) string       { return filepath.Join(l.node(i), "run") }
func (l layout) varDir(i int) string    { return filepath.Join(l.node(i), "var") }
func (l layout) socket(i int) string    { return filepath.Join(l.run(i), "ctdbd.socket") }
func (l layout) pidFile(i int) string   { return filepath.Join(l.run(i), "ctdbd.pid") }
func (l layout) logFile(i int) string   { return filepath.Join(l.node(i), "log.ctdb") }
func (l layout) startLog(i int) string  { return filepath.Join(l.node(i), "start.log") }
func (l layout) events(i int) string    { return filepath.Join(l.node(i), "events", "legacy") }
func (l layout) scriptVar(i int) string { return filepath.Join(l.varDir(i), "scripts") }
func (l layout) sysEtc(i int) string    { return filepath.Join(l.node(i), "sysetc") }
func (l layout) db(i int, kind string) string {
	return filepath.Join(l.node(i), "db", kind)
}
func (l layout) services() string { return filepath.Join(l.base, "services") }
