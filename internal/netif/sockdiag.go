package netif

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// Layout of the sock_diag structures (linux/inet_diag.h).
const (
	inetDiagSockIDLen = 48 // struct inet_diag_sockid
	inetDiagReqLen    = 8 + inetDiagSockIDLen
	inetDiagMsgMinLen = 4 + inetDiagSockIDLen
)

// TCP states as numbered by the kernel (include/net/tcp_states.h).
const (
	tcpEstablished = 1
	tcpSynSent     = 2
	tcpSynRecv     = 3
	tcpFinWait1    = 4
	tcpFinWait2    = 5
	tcpCloseWait   = 8
	tcpLastAck     = 9
	tcpListen      = 10
	tcpClosing     = 11
)

// killStates are the states whose sockets KillConnections destroys: every
// state with a peer that still expects an answer. LISTEN is left alone (the
// service keeps accepting), TIME_WAIT and CLOSE have nothing to reset.
const killStates = 1<<tcpEstablished | 1<<tcpSynSent | 1<<tcpSynRecv | 1<<tcpFinWait1 |
	1<<tcpFinWait2 | 1<<tcpCloseWait | 1<<tcpLastAck | 1<<tcpClosing

// tcpSock is one socket of a sock_diag dump.
type tcpSock struct {
	family uint8
	state  uint8
	id     [inetDiagSockIDLen]byte // verbatim, cookie included, for SOCK_DESTROY
	local  netip.AddrPort
	remote netip.AddrPort
}

// dumpTCP lists the TCP sockets of one address family (AF_INET or AF_INET6)
// in the given states (a bit mask of 1<<state).
func dumpTCP(family uint8, states uint32) ([]tcpSock, error) {
	msgs, err := nlRequest(unix.NETLINK_SOCK_DIAG, unix.SOCK_DIAG_BY_FAMILY, unix.NLM_F_DUMP,
		diagRequest(family, states, nil))
	if err != nil {
		return nil, fmt.Errorf("sock_diag dump: %w", err)
	}
	var out []tcpSock
	for _, m := range msgs {
		if m.typ != unix.SOCK_DIAG_BY_FAMILY {
			continue
		}
		s, err := parseDiagMsg(m.data)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// destroyTCP asks the kernel to abort s (SOCK_DESTROY): it sends the peer
// a RST and the owner's calls fail with ECONNABORTED. Errors: ENOENT if s is
// gone already, EOPNOTSUPP without CONFIG_INET_DIAG_DESTROY.
func destroyTCP(s tcpSock) error {
	_, err := nlRequest(unix.NETLINK_SOCK_DIAG, unix.SOCK_DESTROY, 0,
		diagRequest(s.family, ^uint32(0), s.id[:]))
	return err
}

// diagRequest encodes struct inet_diag_req_v2 for TCP.
func diagRequest(family uint8, states uint32, id []byte) []byte {
	b := make([]byte, inetDiagReqLen)
	b[0], b[1] = family, unix.IPPROTO_TCP
	binary.NativeEndian.PutUint32(b[4:8], states)
	copy(b[8:], id)
	return b
}

// parseDiagMsg decodes the head of struct inet_diag_msg: family, state and
// the socket id (ports big-endian, addresses in network order, IPv4 in the
// first four bytes).
func parseDiagMsg(b []byte) (tcpSock, error) {
	if len(b) < inetDiagMsgMinLen {
		return tcpSock{}, fmt.Errorf("sock_diag: short message (%d bytes)", len(b))
	}
	s := tcpSock{family: b[0], state: b[1]}
	copy(s.id[:], b[4:4+inetDiagSockIDLen])
	id := s.id[:]
	sport, dport := binary.BigEndian.Uint16(id[0:2]), binary.BigEndian.Uint16(id[2:4])
	var src, dst netip.Addr
	switch s.family {
	case unix.AF_INET:
		src, dst = netip.AddrFrom4([4]byte(id[4:8])), netip.AddrFrom4([4]byte(id[20:24]))
	case unix.AF_INET6:
		src, dst = netip.AddrFrom16([16]byte(id[4:20])), netip.AddrFrom16([16]byte(id[20:36]))
	default:
		return tcpSock{}, fmt.Errorf("sock_diag: unexpected address family %d", s.family)
	}
	s.local, s.remote = netip.AddrPortFrom(src, sport), netip.AddrPortFrom(dst, dport)
	return s, nil
}
