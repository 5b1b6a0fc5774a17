package eventscripts_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stubIP stands for iproute2's "ip". It records its arguments ("ip ARGS",
// in the same log as the stub ctdb) and keeps interfaces and addresses in
// files under $STUB_IP_STATE:
//
//	links/IFACE   "FLAGS STATE", e.g. "BROADCAST,MULTICAST,UP,LOWER_UP UP";
//	              the file's existence is the interface's
//	addrs/IFACE   one ADDR/BITS a line
//	fail/OBJ-CMD  (e.g. fail/addr-add) that command prints the file's
//	              content on stderr and fails
//
// It accepts only the forms the scripts are meant to use (one-line output
// for "show", "brd +" for IPv4 and "nodad" for IPv6 additions) and fails
// loudly on anything else. "to ADDR" compares strings, where the real ip
// lets the kernel compare addresses.
const stubIP = `#!/bin/sh
echo "ip $*" >>"$STUB_CTDB_LOG"
st="$STUB_IP_STATE"
unexpected () { echo "stub ip: unexpected command: ip $all" >&2; exit 255; }
all="$*"
oneline=no
if [ "$1" = "-o" ]; then oneline=yes; shift; fi
[ $# -ge 2 ] || unexpected
obj="$1"
cmd="$2"
shift 2
if [ -f "$st/fail/$obj-$cmd" ]; then cat "$st/fail/$obj-$cmd" >&2; exit 2; fi
dev="" to="" brd="" pfx="" nodad="" updown=""
while [ $# -gt 0 ]; do
	case "$1" in
	dev | to | brd)
		[ $# -ge 2 ] || unexpected
		eval "$1=\$2"
		shift 2 ;;
	nodad) nodad=yes; shift ;;
	up | down) updown="$1"; shift ;;
	*)
		[ -z "$pfx" ] || unexpected
		pfx="$1"
		shift ;;
	esac
done
[ -n "$dev" ] || unexpected
nodev () { echo "Cannot find device \"$dev\"" >&2; exit 1; }
case "$obj $cmd" in
"link show")
	[ "$oneline" = yes ] && [ -z "$pfx$to$brd$nodad$updown" ] || unexpected
	[ -f "$st/links/$dev" ] || { echo "Device \"$dev\" does not exist." >&2; exit 1; }
	read -r flags state <"$st/links/$dev"
	printf '7: %s: <%s> mtu 1500 qdisc noqueue state %s mode DEFAULT group default qlen 1000\\    link/ether 02:00:00:00:00:07 brd ff:ff:ff:ff:ff:ff\n' "$dev" "$flags" "$state"
	;;
"link set")
	[ -n "$updown" ] && [ -z "$pfx$to$brd$nodad" ] || unexpected
	[ -f "$st/links/$dev" ] || nodev
	if [ "$updown" = up ]; then
		echo "BROADCAST,MULTICAST,UP,LOWER_UP UP" >"$st/links/$dev"
	else
		echo "BROADCAST,MULTICAST DOWN" >"$st/links/$dev"
	fi
	;;
"addr show")
	[ "$oneline" = yes ] && [ -z "$pfx$brd$nodad$updown" ] || unexpected
	[ -f "$st/links/$dev" ] || { echo "Device \"$dev\" does not exist." >&2; exit 1; }
	[ -f "$st/addrs/$dev" ] || exit 0
	while read -r a; do
		[ -z "$to" ] || [ "${a%/*}" = "$to" ] || continue
		case "$a" in
		*:*) printf '7: %s    inet6 %s scope global nodad \\       valid_lft forever preferred_lft forever\n' "$dev" "$a" ;;
		*) printf '7: %s    inet %s brd 255.255.255.255 scope global %s\\       valid_lft forever preferred_lft forever\n' "$dev" "$a" "$dev" ;;
		esac
	done <"$st/addrs/$dev"
	;;
"addr add")
	[ -n "$pfx" ] && [ -z "$to$updown" ] || unexpected
	case "$pfx" in
	*:*) [ "$nodad" = yes ] && [ -z "$brd" ] || unexpected ;;
	*) [ "$brd" = + ] && [ -z "$nodad" ] || unexpected ;;
	esac
	[ -f "$st/links/$dev" ] || nodev
	if [ -f "$st/addrs/$dev" ] && grep -qxF "$pfx" "$st/addrs/$dev"; then
		echo "Error: ipv4: Address already assigned." >&2
		exit 2
	fi
	echo "$pfx" >>"$st/addrs/$dev"
	;;
"addr del")
	[ -n "$pfx" ] && [ -z "$to$brd$nodad$updown" ] || unexpected
	[ -f "$st/links/$dev" ] || nodev
	if ! [ -f "$st/addrs/$dev" ] || ! grep -qxF "$pfx" "$st/addrs/$dev"; then
		echo "Error: ipv4: Address not found." >&2
		exit 2
	fi
	grep -vxF "$pfx" "$st/addrs/$dev" >"$st/addrs/$dev.new"
	mv "$st/addrs/$dev.new" "$st/addrs/$dev"
	;;
*) unexpected ;;
esac
exit 0
`

// Link states as "ip -o link show" reports them.
const (
	linkUp        = "BROADCAST,MULTICAST,UP,LOWER_UP UP"
	linkNoCarrier = "NO-CARRIER,BROADCAST,MULTICAST,UP LOWERLAYERDOWN"
	linkAdminDown = "BROADCAST,MULTICAST DOWN"
)

// ipNode is a node with the stub ip first on PATH.
type ipNode struct {
	*node
	state string // $STUB_IP_STATE
}

func newIPNode(t *testing.T) *ipNode {
	t.Helper()
	n := newNode(t)
	n.writeFile(filepath.Join(n.stubs, "ip"), stubIP, 0o755)
	state := filepath.Join(t.TempDir(), "ipstate")
	for _, d := range []string{"links", "addrs", "fail"} {
		if err := os.MkdirAll(filepath.Join(state, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	n.env["STUB_IP_STATE"] = state
	return &ipNode{node: n, state: state}
}

// link creates (or changes) interface iface with the given link state.
func (n *ipNode) link(iface, state string) {
	n.writeFile(filepath.Join(n.state, "links", iface), state+"\n", 0o644)
}

// setAddrs replaces iface's addresses (ADDR/BITS each).
func (n *ipNode) setAddrs(iface string, addrs ...string) {
	content := ""
	for _, a := range addrs {
		content += a + "\n"
	}
	n.writeFile(filepath.Join(n.state, "addrs", iface), content, 0o644)
}

// addrs returns iface's addresses, in the order they were added.
func (n *ipNode) addrs(iface string) []string {
	data, err := os.ReadFile(filepath.Join(n.state, "addrs", iface))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		n.t.Fatal(err)
	}
	return strings.Fields(string(data))
}

// linkState returns iface's "FLAGS STATE" line.
func (n *ipNode) linkState(iface string) string {
	data, err := os.ReadFile(filepath.Join(n.state, "links", iface))
	if err != nil {
		n.t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// fail makes "ip OBJ CMD" fail with msg.
func (n *ipNode) fail(objCmd, msg string) {
	n.writeFile(filepath.Join(n.state, "fail", objCmd), msg+"\n", 0o644)
}

// publicAddresses writes $CTDB_BASE/public_addresses.
func (n *ipNode) publicAddresses(content string) {
	n.writeFile(filepath.Join(n.base, "public_addresses"), content, 0o644)
}

// ipCalls returns the recorded ip calls, without the "ip " prefix, and
// clears the log.
func (n *ipNode) ipCalls() []string {
	var out []string
	for _, c := range n.calls() {
		if rest, ok := strings.CutPrefix(c, "ip "); ok {
			out = append(out, rest)
		}
	}
	if err := os.Remove(n.log); err != nil && !errors.Is(err, fs.ErrNotExist) {
		n.t.Fatal(err)
	}
	return out
}

// changes returns the calls that change something (add, del, set).
func changes(calls []string) []string {
	var out []string
	for _, c := range calls {
		if !strings.HasPrefix(c, "-o ") {
			out = append(out, c)
		}
	}
	return out
}

func expectCalls(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s: ip calls\n  %s\nwant\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func expectAddrs(t *testing.T, n *ipNode, iface string, want ...string) {
	t.Helper()
	if got := n.addrs(iface); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("addresses on %s: %q, want %q", iface, got, want)
	}
}
