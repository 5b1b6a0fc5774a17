package netif

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// CTDB announces a newly taken address three times, about 1.1 s apart
// (CTDB_ARP_REPEAT, CTDB_ARP_INTERVAL plus 100 ms), so one lost frame or a
// switch still learning the port does not leave clients with a stale entry.
const (
	DefaultAnnounceCount    = 3
	DefaultAnnounceInterval = 1100 * time.Millisecond
)

// Announce tells the hosts on iface's link that a is now reachable at
// iface's hardware address. For IPv4 it sends a gratuitous ARP request and a
// gratuitous ARP reply (sender = target = a, broadcast); for IPv6 an
// unsolicited neighbour advertisement with the override flag to ff02::1.
// Whether a is actually assigned to iface is not checked. iface must be an
// Ethernet-like interface with a hardware address.
func Announce(iface string, a netip.Addr) error {
	an, err := newAnnouncer(iface, a)
	if err != nil {
		return err
	}
	defer an.close()
	return an.send()
}

// AnnounceRepeatedly announces a on iface count times, interval apart
// (count <= 0 means DefaultAnnounceCount, interval <= 0 means
// DefaultAnnounceInterval). The socket is opened and the first announcement
// sent before it returns, in the caller's network namespace; a failure there
// is returned as err and nothing else happens. The rest is sent from a
// goroutine, which stops early when ctx is done. The returned channel
// receives the first error of the later sends (nil if none) and is then
// closed; callers that do not care may drop it.
func AnnounceRepeatedly(ctx context.Context, iface string, a netip.Addr, count int, interval time.Duration) (<-chan error, error) {
	if count <= 0 {
		count = DefaultAnnounceCount
	}
	if interval <= 0 {
		interval = DefaultAnnounceInterval
	}
	an, err := newAnnouncer(iface, a)
	if err != nil {
		return nil, err
	}
	if err := an.send(); err != nil {
		an.close()
		return nil, err
	}
	done := make(chan error, 1)
	go func() {
		defer close(done)
		defer an.close()
		done <- an.repeat(ctx, count-1, interval)
	}()
	return done, nil
}

// announcer holds a packet socket bound to one interface and the frames
// announcing one address on it.
type announcer struct {
	fd     int
	sa     *unix.SockaddrLinklayer
	frames [][]byte
	what   string // for errors: "announce 10.0.0.5 on eth0"
}

func newAnnouncer(iface string, a netip.Addr) (*announcer, error) {
	what := fmt.Sprintf("announce %s on %s", a, iface)
	a = a.Unmap()
	if !a.IsValid() || a.IsUnspecified() || a.IsMulticast() {
		return nil, fmt.Errorf("%s: not a unicast address", what)
	}
	a = a.WithZone("")
	l, err := LinkByName(iface)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if l.Type != unix.ARPHRD_ETHER || len(l.MAC) != 6 {
		return nil, fmt.Errorf("%s: interface has no Ethernet address (type %d, address %q)", what, l.Type, l.MAC)
	}
	an := &announcer{what: what, sa: &unix.SockaddrLinklayer{Ifindex: l.Index, Halen: 6}}
	if a.Is4() {
		an.frames = [][]byte{garpFrame(arpRequest, l.MAC, a), garpFrame(arpReply, l.MAC, a)}
		an.sa.Protocol = htons(unix.ETH_P_ARP)
		copy(an.sa.Addr[:], ethBroadcast)
	} else {
		an.frames = [][]byte{naFrame(l.MAC, a)}
		an.sa.Protocol = htons(unix.ETH_P_IPV6)
		copy(an.sa.Addr[:], allNodesMAC)
	}
	// Protocol 0: this socket only sends, it never queues received frames.
	an.fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: packet socket: %w", what, err)
	}
	return an, nil
}

// send sends every frame once.
func (an *announcer) send() error {
	var errs []error
	for _, f := range an.frames {
		if err := unix.Sendto(an.fd, f, 0, an.sa); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%s: %w", an.what, err)
	}
	return nil
}

// repeat sends n more rounds, interval apart, stopping when ctx is done. It
// returns the first send error but keeps going after one (a later round may
// succeed once the link is back).
func (an *announcer) repeat(ctx context.Context, n int, interval time.Duration) error {
	var first error
	t := time.NewTicker(interval)
	defer t.Stop()
	for range n {
		select {
		case <-ctx.Done():
			return first
		case <-t.C:
		}
		if err := an.send(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (an *announcer) close() { unix.Close(an.fd) }

func htons(v uint16) uint16 { return v<<8 | v>>8 }
