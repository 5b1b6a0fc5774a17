package cli

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/ctdb-go/ctdb/internal/netif"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// connection is one "SRC-IPADDR:SRC-PORT DST-IPADDR:DST-PORT" of tickle,
// addtickle and deltickle.
type connection struct {
	src, dst netip.AddrPort
}

// parseAddrPort reads ADDRESS:PORT, IPv6 as [ADDRESS]:PORT or, as CTDB
// also accepts (update_tickles strips the brackets ss prints),
// ADDRESS:PORT split at the last colon.
func parseAddrPort(s string) (netip.AddrPort, error) {
	ap, ok := addrPortOf(s)
	if !ok {
		return ap, failf("Invalid IP address %s", s)
	}
	return ap, nil
}

func addrPortOf(s string) (netip.AddrPort, bool) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		i := strings.LastIndexByte(s, ':')
		if i < 0 {
			return ap, false
		}
		a, err1 := netip.ParseAddr(s[:i])
		port, err2 := strconv.ParseUint(s[i+1:], 10, 16)
		if err1 != nil || err2 != nil || !a.Is6() || a.Zone() != "" {
			return ap, false
		}
		ap = netip.AddrPortFrom(a, uint16(port))
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
}

// connectionArgs reads a connection given on the command line.
func connectionArgs(args []string) (connection, error) {
	src, err := parseAddrPort(args[0])
	if err != nil {
		return connection{}, err
	}
	dst, err := parseAddrPort(args[1])
	if err != nil {
		return connection{}, err
	}
	return connection{src, dst}, nil
}

// readConnections reads one connection per line from r, as CTDB's tool
// does for tickle, addtickle and deltickle without arguments. Empty lines
// are skipped; anything else unparsable fails the command with EINVAL and
// a message naming the line.
func readConnections(r io.Reader) ([]connection, error) {
	var out []connection
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		var c connection
		ok := len(f) == 2
		if ok {
			var ok2 bool
			c.src, ok = addrPortOf(f[0])
			c.dst, ok2 = addrPortOf(f[1])
			ok = ok && ok2
		}
		if !ok {
			return nil, &exitError{code: exitEINVAL,
				msg: fmt.Sprintf("Invalid connection on line %d of standard input: %q (want SRC-IPADDR:SRC-PORT DST-IPADDR:DST-PORT)", n, sc.Text())}
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading standard input: %w", err)
	}
	return out, nil
}

// connectionsOf returns the connection on the command line, or those on
// standard input when there is none.
func (e *env) connectionsOf(args []string) ([]connection, error) {
	if len(args) == 2 {
		c, err := connectionArgs(args)
		if err != nil {
			return nil, err
		}
		return []connection{c}, nil
	}
	return readConnections(e.in)
}

func checkConnectionArgs(cmd string) func([]string) error {
	return func(args []string) error {
		if len(args) != 0 && len(args) != 2 {
			return &usageError{cmd}
		}
		return nil
	}
}

// runTickle: `ctdb tickle [SRC DST]` sends a tickle ACK from DST to SRC
// for each connection; it needs no daemon.
func runTickle(e *env, args []string) error {
	conns, err := e.connectionsOf(args)
	if err != nil {
		return err
	}
	failed := 0
	for _, c := range conns {
		if err := netif.TickleACK(c.dst, c.src); err != nil {
			printf(e.errOut, "%v\n", err)
			failed++
		}
	}
	switch {
	case failed == 0:
		return nil
	case len(args) == 2:
		return failf("Failed to send tickle ack")
	}
	return failf("Failed to send %d tickles", failed)
}

// runAddtickle: `ctdb addtickle [SRC DST]` registers connections to a
// public address of the node.
func runAddtickle(e *env, args []string) error {
	return changeTickles(e, args, protocol.OpAddTickle, "register")
}

// runDeltickle: `ctdb deltickle [SRC DST]` forgets registered
// connections.
func runDeltickle(e *env, args []string) error {
	return changeTickles(e, args, protocol.OpDelTickle, "unregister")
}

func changeTickles(e *env, args []string, op protocol.Op, verb string) error {
	conns, err := e.connectionsOf(args)
	if err != nil {
		return err
	}
	for _, c := range conns {
		req := protocol.Connection{Src: c.src.String(), Dst: c.dst.String()}
		if err := e.call(op, req, nil); err != nil {
			printf(e.errOut, "Control %v\n", err)
			return failf("Failed to %s connection", verb)
		}
	}
	return nil
}

func checkGettickles(args []string) error {
	if len(args) < 1 || len(args) > 2 {
		return &usageError{"gettickles"}
	}
	return nil
}

// runGettickles: `ctdb gettickles IP [PORT]` lists the connections
// registered on a public address (to PORT only, if given).
func runGettickles(e *env, args []string) error {
	var port uint64
	if len(args) == 2 {
		var err error
		if port, err = strconv.ParseUint(args[1], 10, 16); err != nil {
			return exitCode(exitEINVAL)
		}
	}
	a, err := netip.ParseAddr(args[0])
	if err != nil {
		return failf("Invalid IP address %s", args[0])
	}
	var l protocol.TickleList
	if err := e.call(protocol.OpGetTickles, protocol.TickleQuery{Addr: a.Unmap().String(), Port: uint16(port)}, &l); err != nil {
		printf(e.errOut, "Control %v\n", err)
		return failf("Failed to get list of connections")
	}
	writeTickles(e.out, l, e.opts.machine, e.sep())
	return nil
}

func writeTickles(w io.Writer, l protocol.TickleList, machine bool, sep string) {
	if machine {
		// CTDB's header, spelling included: scripts split on the separator.
		writeRow(w, sep, "Source IP", "Port", "Destiation IP", "Port")
		for _, c := range l.Conns {
			src, _ := netip.ParseAddrPort(c.Src)
			dst, _ := netip.ParseAddrPort(c.Dst)
			writeRow(w, sep, src.Addr().String(), strconv.Itoa(int(src.Port())),
				dst.Addr().String(), strconv.Itoa(int(dst.Port())))
		}
		return
	}
	printf(w, "Connections for IP: %s\n", l.Addr)
	printf(w, "Num connections: %d\n", len(l.Conns))
	for _, c := range l.Conns {
		printf(w, "SRC: %s   DST: %s\n", c.Src, c.Dst)
	}
}
