package diagnostics

import (
	"bytes"
	"fmt"
	"strings"
)

// configFiles are collected from $CTDB_BASE on every node and compared.
var configFiles = []string{"ctdb.conf", "nodes", "public_addresses", "ctdb.tunables", "script.options", "onnode.conf"}

// command is one command whose output goes into the bundle as name.
type command struct {
	name string // file name in the node's directory
	sh   string // shell command run on the node
	ads  bool   // needs an Active Directory server (skipped with --no-ads)
}

// lockScript reports the cluster lock: the setting, the leader, and a
// probe of the lock file and its directory through ctdb_probe, which never
// blocks on a hung filesystem (a plain ls or stat could).
const lockScript = `lock=$(ctdb getreclock 2>&1); echo "cluster lock: ${lock:-(none)}"
echo "leader: $(ctdb leader 2>&1)"
probe=$(command -v ctdb_probe || echo "${CTDB_HELPER_BINDIR:-/usr/libexec/ctdb}/ctdb_probe")
case "$lock" in
''|'!'*) echo "no lock file to probe" ;;
*) for p in "$(dirname "$lock")" "$lock"; do
	"$probe" -t 5 stat "$p" >/dev/null 2>&1
	case $? in 0) r=ok ;; 1) r="filesystem error" ;; 2) r="no answer (hung?)" ;; *) r="probe failed" ;; esac
	echo "probe of $p: $r"
   done ;;
esac`

// logScript prints the tail of the node's log file: the location from
// ctdb.conf, else CTDB's default. The time window is cut locally.
const logScript = `f=$(sed -n 's/^[[:space:]]*location[[:space:]]*=[[:space:]]*file://p' "$base/ctdb.conf" 2>/dev/null | tail -n 1)
f=${f:-/var/log/ctdb/log.ctdb}
echo "$f"
tail -c 20000000 "$f" 2>&1`

var commands = []command{
	{name: "ctdb_status", sh: "ctdb status"},
	{name: "ctdb_ip", sh: "ctdb ip -v"},
	{name: "ctdb_ifaces", sh: "ctdb ifaces"},
	{name: "ctdb_event_status", sh: "ctdb event status"},
	{name: "ctdb_event_scripts", sh: `ctdb event script list; ls -l "$base/events/legacy" "$base/events.d" 2>&1`},
	{name: "ctdb_listvars", sh: "ctdb listvars"},
	{name: "ctdb_uptime", sh: "ctdb uptime"},
	{name: "ctdb_runstate", sh: "ctdb runstate; ctdb getdebug; ctdb version"},
	{name: "ctdb_statistics", sh: "ctdb statistics"},
	{name: "cluster_lock", sh: lockScript},
	{name: "log.ctdb", sh: logScript},
	{name: "system", sh: "hostname; uname -a; uptime; dpkg-query -W ctdb ctdb-go 2>&1; ip -o addr 2>&1"},
	{name: "clock", sh: "date +%s"},
	{name: "ads_testjoin", sh: "timeout 10 net ads testjoin", ads: true},
}

// remoteScript is the one shell script run on every node. Each item's
// output follows a line "MARKER NAME"; a command's ends with a line
// "MARKER-exit STATUS", a file that cannot be read is "MARKER-missing".
func remoteScript(marker string, noADS bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "base=${CTDB_BASE:-/etc/ctdb}\nM=%s\n", marker)
	b.WriteString(`sec() { printf '\n%s %s\n' "$M" "$1"; }` + "\n")
	for _, f := range configFiles {
		fmt.Fprintf(&b, `sec "file:%s"; if [ -r "$base/%s" ]; then cat "$base/%s"; else printf '%%s-missing' "$M"; fi`+"\n", f, f, f)
	}
	for _, c := range commands {
		if c.ads && noADS {
			continue
		}
		fmt.Fprintf(&b, "sec \"cmd:%s\"; ( %s ) 2>&1 </dev/null; printf '\\n%%s-exit %%d' \"$M\" $?\n", c.name, c.sh)
	}
	return b.String()
}

// item is one parsed section of a node's answer.
type item struct {
	missing bool // a file that is not there or not readable
	exit    int  // a command's exit status
	data    []byte
}

// parseSections splits a node's answer into its items by name
// ("file:nodes", "cmd:ctdb_status"...).
func parseSections(out []byte, marker string) map[string]item {
	items := map[string]item{}
	head := []byte("\n" + marker + " ")
	parts := bytes.Split(out, head)
	for _, p := range parts[1:] {
		name, body, _ := bytes.Cut(p, []byte("\n"))
		it := item{data: body}
		if bytes.Equal(body, []byte(marker+"-missing")) {
			it = item{missing: true}
		}
		if i := bytes.LastIndex(body, []byte("\n"+marker+"-exit ")); i >= 0 {
			fmt.Sscanf(string(body[i+len(marker)+7:]), "%d", &it.exit)
			it.data = body[:i]
		}
		items[string(name)] = it
	}
	return items
}
