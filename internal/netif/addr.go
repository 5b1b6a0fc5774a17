package netif

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// Addrs returns the addresses of every interface in the caller's network
// namespace that has any, keyed by interface name, in the kernel's order.
// IPv6 link-local addresses are included (without zone). It costs two
// netlink dumps and no process.
func Addrs() (map[string][]netip.Prefix, error) {
	links, err := Links()
	if err != nil {
		return nil, err
	}
	names := make(map[int]string, len(links))
	for _, l := range links {
		names[l.Index] = l.Name
	}
	addrs, err := dumpAddrs()
	if err != nil {
		return nil, err
	}
	out := map[string][]netip.Prefix{}
	for _, a := range addrs {
		name, ok := names[a.index]
		if !ok {
			name = fmt.Sprintf("if%d", a.index) // link appeared between the dumps
		}
		out[name] = append(out[name], a.prefix)
	}
	return out, nil
}

// HasAddr reports whether a is assigned to iface (any prefix length). The
// error wraps ErrNoInterface when iface does not exist.
func HasAddr(iface string, a netip.Addr) (bool, error) {
	l, err := LinkByName(iface)
	if err != nil {
		return false, err
	}
	addrs, err := dumpAddrs()
	if err != nil {
		return false, err
	}
	a = a.Unmap().WithZone("")
	for _, x := range addrs {
		if x.index == l.Index && x.prefix.Addr() == a {
			return true, nil
		}
	}
	return false, nil
}

// ifAddr is one address of the RTM_GETADDR dump.
type ifAddr struct {
	index  int
	prefix netip.Prefix
}

// dumpAddrs lists all IPv4 and IPv6 addresses of the namespace.
func dumpAddrs() ([]ifAddr, error) {
	msgs, err := nlRequest(unix.NETLINK_ROUTE, unix.RTM_GETADDR, unix.NLM_F_DUMP, make([]byte, unix.SizeofIfAddrmsg))
	if err != nil {
		return nil, fmt.Errorf("listing addresses: %w", err)
	}
	return parseAddrs(msgs)
}

// parseAddrs decodes RTM_NEWADDR messages (struct ifaddrmsg + attributes).
// The interface's own address is IFA_LOCAL when present (on point-to-point
// links IFA_ADDRESS is the peer), else IFA_ADDRESS.
func parseAddrs(msgs []nlMsg) ([]ifAddr, error) {
	var out []ifAddr
	for _, m := range msgs {
		if m.typ != unix.RTM_NEWADDR {
			continue
		}
		if len(m.data) < unix.SizeofIfAddrmsg {
			return nil, fmt.Errorf("rtnetlink: short address message (%d bytes)", len(m.data))
		}
		bits := int(m.data[1])
		index := int(binary.NativeEndian.Uint32(m.data[4:8]))
		attrs := nlAttrs(m.data[unix.SizeofIfAddrmsg:])
		raw := attrs[unix.IFA_LOCAL]
		if raw == nil {
			raw = attrs[unix.IFA_ADDRESS]
		}
		a, ok := netip.AddrFromSlice(raw)
		if !ok {
			continue // not IPv4/IPv6
		}
		p := netip.PrefixFrom(a, bits)
		if !p.IsValid() {
			return nil, fmt.Errorf("rtnetlink: address %s with bad prefix length %d", a, bits)
		}
		out = append(out, ifAddr{index: index, prefix: p})
	}
	return out, nil
}
