package netif

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// ProbeInUse asks the hosts on iface's link whether any of them has the
// IPv4 address a, with an ARP probe (RFC 5227: sender protocol address
// 0.0.0.0, so no host learns anything from it), and listens for wait. It
// returns the hardware address of a host that answered for a, or nil if
// none did. A host answers while a is configured on one of its interfaces;
// its kernel answers, so a process that is slow or stopped does not delay
// the answer.
//
// ctdbd probes before it takes an address over: a node whose ctdbd was
// killed keeps its addresses until its address guard has removed them,
// and the taker must not add an address another node still answers for.
// For IPv6 (not probed yet: a neighbour solicitation from the unspecified
// address would do the same) and on links without Ethernet addresses,
// ProbeInUse returns nil, nil.
func ProbeInUse(iface string, a netip.Addr, wait time.Duration) (net.HardwareAddr, error) {
	a = a.Unmap().WithZone("")
	if !a.Is4() {
		return nil, nil
	}
	what := fmt.Sprintf("probe %s on %s", a, iface)
	l, err := LinkByName(iface)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if l.Type != unix.ARPHRD_ETHER || len(l.MAC) != 6 {
		return nil, nil
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ARP)))
	if err != nil {
		return nil, fmt.Errorf("%s: packet socket: %w", what, err)
	}
	defer unix.Close(fd)
	sa := &unix.SockaddrLinklayer{Ifindex: l.Index, Halen: 6, Protocol: htons(unix.ETH_P_ARP)}
	// Bound before the probe goes out, so no answer is missed.
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: l.Index, Protocol: htons(unix.ETH_P_ARP)}); err != nil {
		return nil, fmt.Errorf("%s: bind: %w", what, err)
	}
	copy(sa.Addr[:], ethBroadcast)
	if err := unix.Sendto(fd, probeFrame(l.MAC, a), 0, sa); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	deadline := time.Now().Add(wait)
	buf := make([]byte, 128)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return nil, nil
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, int(left.Milliseconds())+1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: poll: %w", what, err)
		}
		if n == 0 {
			continue
		}
		m, _, err := unix.Recvfrom(fd, buf, unix.MSG_DONTWAIT)
		if err != nil {
			continue
		}
		if mac := arpAnswerFor(buf[:m], a, l.MAC); mac != nil {
			return mac, nil
		}
	}
}

// probeFrame is an ARP probe for a from mac: a broadcast request with
// sender protocol address 0.0.0.0 and target protocol address a.
func probeFrame(mac net.HardwareAddr, a netip.Addr) []byte {
	return arpFrame(arpRequest, mac, netip.Addr{}, zeroHardware6, a)
}

// arpAnswerFor returns the sender hardware address of frame if it is an ARP
// packet (reply, or a request such as a gratuitous announcement) whose
// sender protocol address is a and whose sender is not self.
func arpAnswerFor(frame []byte, a netip.Addr, self net.HardwareAddr) net.HardwareAddr {
	if len(frame) < ethHeaderLen+arpLen || binary.BigEndian.Uint16(frame[12:14]) != unix.ETH_P_ARP {
		return nil
	}
	arp := frame[ethHeaderLen:]
	if binary.BigEndian.Uint16(arp[2:4]) != unix.ETH_P_IP || arp[4] != 6 || arp[5] != 4 {
		return nil
	}
	sha, spa := arp[8:14], arp[14:18]
	a4 := a.As4()
	if !bytes.Equal(spa, a4[:]) || bytes.Equal(sha, self) {
		return nil
	}
	return net.HardwareAddr(bytes.Clone(sha))
}
