package netif

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// ErrNoInterface is returned (wrapped) when a named interface does not exist
// in the caller's network namespace.
var ErrNoInterface = errors.New("no such interface")

// Link is one network interface as rtnetlink reports it.
type Link struct {
	Index int
	Name  string
	// Flags are the IFF_* flags; IFF_RUNNING is set by the kernel when the
	// interface is up and its operational state is up (or unknown, as for
	// loopback and dummy devices).
	Flags uint32
	// Type is the ARPHRD_* hardware type (unix.ARPHRD_ETHER for Ethernet
	// and veth).
	Type uint16
	// MAC is the hardware address; empty for devices without one.
	MAC net.HardwareAddr
	// OperState is the RFC 2863 operational state (IF_OPER_UP is 6); a
	// veth whose peer is down reports IF_OPER_LOWERLAYERDOWN.
	OperState uint8
}

// Up reports whether the link is administratively up (IFF_UP) and can pass
// traffic (IFF_RUNNING: carrier present, operational state up). A veth
// whose peer is down, or an Ethernet port without carrier, is not Up.
func (l Link) Up() bool {
	return l.Flags&unix.IFF_UP != 0 && l.Flags&unix.IFF_RUNNING != 0
}

// Links returns every interface in the caller's network namespace.
func Links() ([]Link, error) {
	msgs, err := nlRequest(unix.NETLINK_ROUTE, unix.RTM_GETLINK, unix.NLM_F_DUMP, make([]byte, unix.SizeofIfInfomsg))
	if err != nil {
		return nil, fmt.Errorf("listing interfaces: %w", err)
	}
	return parseLinks(msgs)
}

// LinkByName returns the interface called name; the error wraps
// ErrNoInterface if there is none.
func LinkByName(name string) (Link, error) {
	if name == "" || len(name) >= unix.IFNAMSIZ || bytes.IndexByte([]byte(name), 0) >= 0 {
		return Link{}, fmt.Errorf("interface %q: bad interface name", name)
	}
	body := append(make([]byte, unix.SizeofIfInfomsg), nlAttr(unix.IFLA_IFNAME, append([]byte(name), 0))...)
	msgs, err := nlRequest(unix.NETLINK_ROUTE, unix.RTM_GETLINK, 0, body)
	if errors.Is(err, unix.ENODEV) {
		return Link{}, fmt.Errorf("interface %q: %w", name, ErrNoInterface)
	}
	if err != nil {
		return Link{}, fmt.Errorf("interface %q: %w", name, err)
	}
	links, err := parseLinks(msgs)
	if err != nil {
		return Link{}, fmt.Errorf("interface %q: %w", name, err)
	}
	for _, l := range links {
		if l.Name == name {
			return l, nil
		}
	}
	return Link{}, fmt.Errorf("interface %q: %w", name, ErrNoInterface)
}

// Ifaces returns the names of every interface in the caller's namespace.
func Ifaces() ([]string, error) {
	links, err := Links()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(links))
	for i, l := range links {
		names[i] = l.Name
	}
	return names, nil
}

// LinkUp reports whether iface is up and running (see Link.Up).
func LinkUp(iface string) (bool, error) {
	l, err := LinkByName(iface)
	if err != nil {
		return false, err
	}
	return l.Up(), nil
}

// parseLinks decodes RTM_NEWLINK messages (struct ifinfomsg + attributes).
func parseLinks(msgs []nlMsg) ([]Link, error) {
	var links []Link
	for _, m := range msgs {
		if m.typ != unix.RTM_NEWLINK {
			continue
		}
		if len(m.data) < unix.SizeofIfInfomsg {
			return nil, fmt.Errorf("rtnetlink: short link message (%d bytes)", len(m.data))
		}
		l := Link{
			Type:  binary.NativeEndian.Uint16(m.data[2:4]),
			Index: int(int32(binary.NativeEndian.Uint32(m.data[4:8]))),
			Flags: binary.NativeEndian.Uint32(m.data[8:12]),
		}
		attrs := nlAttrs(m.data[unix.SizeofIfInfomsg:])
		l.Name = string(bytes.TrimRight(attrs[unix.IFLA_IFNAME], "\x00"))
		if mac := attrs[unix.IFLA_ADDRESS]; len(mac) > 0 {
			l.MAC = net.HardwareAddr(append([]byte(nil), mac...))
		}
		if st := attrs[unix.IFLA_OPERSTATE]; len(st) == 1 {
			l.OperState = st[0]
		}
		links = append(links, l)
	}
	return links, nil
}
