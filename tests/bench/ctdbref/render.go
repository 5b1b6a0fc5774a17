package ctdbref

import (
	"fmt"
	"sort"
	"strings"
)

// confText is node i's ctdb.conf. Database directories are given
// explicitly: 00.ctdb reads them back with ctdb-config. Realtime
// scheduling is off, as test mode has it, so that no SCHED_FIFO daemon
// runs on a shared test machine and ctdb-go is compared on equal terms.
func confText(s settings, i int) string {
	l := layout{s.base}
	return fmt.Sprintf(`[logging]
	location = file:%s
	log level = NOTICE
[cluster]
	cluster lock = %s
	node address = %s
[database]
	volatile database directory = %s
	persistent database directory = %s
	state database directory = %s
[legacy]
	realtime scheduling = false
`, l.logFile(i), s.reclock, s.addrs[i], l.db(i, "volatile"), l.db(i, "persistent"), l.db(i, "state"))
}

// tunablesText is ctdb.tunables: NAME=VALUE lines, sorted by name.
func tunablesText(t map[string]uint32) string {
	names := make([]string, 0, len(t))
	for k := range t {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		fmt.Fprintf(&b, "%s=%d\n", k, t[k])
	}
	return b.String()
}

// nodesText is the nodes file: one bare address a line (4.17 takes no port).
func nodesText(addrs []string) string {
	return strings.Join(addrs, "\n") + "\n"
}

// servicesText is host (the text of /etc/services) without its "ctdb"
// entries, plus `ctdb PORT/tcp`. The rest is kept so that other lookups in
// the daemon's mount namespace (eventscripts) see the usual names.
func servicesText(host string, port int) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(host, "\n") {
		body, _, _ := strings.Cut(line, "#")
		if f := strings.Fields(body); len(f) > 0 && f[0] == "ctdb" {
			continue
		}
		b.WriteString(line)
	}
	if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "ctdb\t\t%d/tcp\t\t\t# ctdbref: this cluster's port\n", port)
	return b.String()
}

// packagedScripts are the package's eventscripts to enable.
func packagedScripts(s settings) []string {
	out := []string{"00.ctdb"}
	if s.reclockScript {
		out = append(out, "01.reclock")
	}
	if s.public != "" {
		out = append(out, "10.interface")
	}
	return out
}

// trivialName is the file name of trivial script k (0-based).
func trivialName(k int) string {
	return fmt.Sprintf("%02d.trivial%d.script", 20+k, k+1)
}

// trivialScript is the text of every trivial script.
const trivialScript = "#!/bin/sh\nexit 0\n"
