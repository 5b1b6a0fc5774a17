package netif

import (
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"

	"golang.org/x/sys/unix"
)

// KillConnections aborts every TCP connection whose local address is a, in
// the caller's network namespace, and returns how many it aborted. The
// kernel sends each peer a RST, so clients of an address that is being
// released reconnect (to the node taking it over) at once instead of
// waiting for retransmissions to time out. Listening sockets are kept, as
// are TIME_WAIT ones. For an IPv4 a, IPv6 sockets with the v4-mapped form
// of a (dual-stack servers) are aborted too.
//
// It uses NETLINK_SOCK_DIAG's SOCK_DESTROY (kernel CONFIG_INET_DIAG_DESTROY).
// If the kernel refuses that with EOPNOTSUPP it runs `ss -K` and checks
// that no connection survived; if some did, the error says neither way
// works. Connections opened meanwhile by clients still reaching a may also
// be reported as survivors on that path.
func KillConnections(a netip.Addr) (int, error) {
	return killer{destroy: destroyTCP, runSS: runSSKill}.kill(a)
}

// killer holds KillConnections' two mechanisms, replaceable by tests.
type killer struct {
	destroy func(tcpSock) error
	runSS   func(netip.Addr) error
}

func (k killer) kill(a netip.Addr) (int, error) {
	a = a.Unmap().WithZone("")
	if !a.IsValid() || a.IsUnspecified() || a.IsMulticast() {
		return 0, fmt.Errorf("kill connections of %s: not a unicast address", a)
	}
	socks, err := tcpSocketsOn(a)
	if err != nil {
		return 0, fmt.Errorf("kill connections of %s: %w", a, err)
	}
	n, err := k.destroyAll(socks)
	if !errors.Is(err, unix.EOPNOTSUPP) {
		if err != nil {
			return n, fmt.Errorf("kill connections of %s: %w", a, err)
		}
		return n, nil
	}
	ssErr := k.runSS(a)
	left, err := tcpSocketsOn(a)
	if err != nil {
		return 0, fmt.Errorf("kill connections of %s: after ss -K: %w", a, err)
	}
	killed := max(len(socks)-len(left), 0)
	if len(left) > 0 {
		return killed, fmt.Errorf("kill connections of %s: %d connection(s) survive: "+
			"the kernel cannot destroy sockets (SOCK_DESTROY: %v; needs CONFIG_INET_DIAG_DESTROY) "+
			"and ss -K did not reset them either (%v)", a, len(left), unix.EOPNOTSUPP, ssErrText(ssErr))
	}
	return killed, nil
}

// destroyAll destroys socks and counts the successes. Sockets that closed
// by themselves meanwhile (ENOENT) are skipped. It stops at once on
// EOPNOTSUPP, which the caller tests with errors.Is.
func (k killer) destroyAll(socks []tcpSock) (int, error) {
	var errs []error
	n := 0
	for _, s := range socks {
		err := k.destroy(s)
		switch {
		case err == nil:
			n++
		case errors.Is(err, unix.ENOENT):
		case errors.Is(err, unix.EOPNOTSUPP):
			return n, err
		default:
			errs = append(errs, fmt.Errorf("%s -> %s: %w", s.local, s.remote, err))
		}
	}
	return n, errors.Join(errs...)
}

// tcpSocketsOn lists the killable TCP sockets whose local address is a.
func tcpSocketsOn(a netip.Addr) ([]tcpSock, error) {
	families := []uint8{unix.AF_INET6} // IPv6, and IPv4 on dual-stack sockets
	if a.Is4() {
		families = append(families, unix.AF_INET)
	}
	var out []tcpSock
	for _, fam := range families {
		socks, err := dumpTCP(fam, killStates)
		if err != nil {
			return nil, err
		}
		for _, s := range socks {
			if s.state != tcpListen && s.local.Addr().Unmap() == a {
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// runSSKill runs `ss -K` for the connected TCP sockets with local address a.
func runSSKill(a netip.Addr) error {
	filter := []string{"src", a.String()}
	if a.Is4() {
		filter = []string{"(", "src", a.String(), "or", "src", "[::ffff:" + a.String() + "]", ")"}
	}
	args := append([]string{"-K", "-t", "-n"}, filter...)
	out, err := exec.Command("ss", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ss %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func ssErrText(err error) string {
	if err == nil {
		return "it ran without error"
	}
	return err.Error()
}
