package cli

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// maxIfaceName is the longest interface name Linux accepts (IFNAMSIZ-1).
const maxIfaceName = 15

// parseIP parses an address argument as CTDB does (inet_pton): IPv4 in
// dotted-quad form or IPv6, without a zone.
func parseIP(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a, true
}

func checkIPArg(s string) error {
	if _, ok := parseIP(s); !ok {
		return failf("Invalid IP address %s", s)
	}
	return nil
}

// parseIPMask parses addip's ADDR/BITS. The prefix length must be 1-32
// for IPv4 and 1-128 for IPv6: CTDB takes any number, but a /0 public
// address would claim every destination for the public interface.
func parseIPMask(s string) (netip.Addr, int, bool) {
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return netip.Addr{}, 0, false
	}
	a, ok := parseIP(s[:i])
	digits := s[i+1:]
	if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return netip.Addr{}, 0, false
	}
	bits, err := strconv.Atoi(digits)
	if err != nil || bits < 1 || bits > a.BitLen() {
		return netip.Addr{}, 0, false
	}
	return a, bits, true
}

// checkOneIP checks the address argument of ipinfo and delip.
func checkOneIP(args []string) error { return checkIPArg(args[0]) }

func checkIPMaskArg(s string) error {
	if _, _, ok := parseIPMask(s); !ok {
		return failf("Invalid IP/Mask %s", s)
	}
	return nil
}

// checkIfaceArg refuses names the kernel would refuse, before anything is
// sent to the daemon.
func checkIfaceArg(s string) error {
	if len(s) > maxIfaceName {
		return failf("Interface name '%s' too long", s)
	}
	if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "/:") ||
		strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return failf("Invalid interface name '%s'", s)
	}
	return nil
}

// parsePNNArg parses a node number argument (moveip's target), decimal as
// in CTDB; the "no node" value is refused.
func parsePNNArg(s string) (uint32, bool) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || uint32(n) == protocol.PNNUnknown {
		return 0, false
	}
	return uint32(n), true
}

// addrString prints an address from the daemon in its canonical form (as
// inet_ntop does), or as given if it does not parse.
func addrString(s string) string {
	if a, ok := parseIP(s); ok {
		return a.String()
	}
	return s
}

// compareAddrs orders addresses as CTDB sorts public IPs: IPv4 before
// IPv6, each numerically. Addresses that do not parse come last, by text.
func compareAddrs(x, y string) int {
	a, okA := parseIP(x)
	b, okB := parseIP(y)
	switch {
	case okA && okB:
		return a.Compare(b)
	case okA:
		return -1
	case okB:
		return 1
	}
	return strings.Compare(x, y)
}

func sortIPRows(rows []ipRow) {
	sort.SliceStable(rows, func(i, j int) bool { return compareAddrs(rows[i].addr, rows[j].addr) < 0 })
}

// findPublicIP returns the entry of ips for addr, or nil.
func findPublicIP(ips []protocol.PublicIP, addr netip.Addr) *protocol.PublicIP {
	for i := range ips {
		if a, ok := parseIP(ips[i].Addr); ok && a == addr {
			return &ips[i]
		}
	}
	return nil
}
