package tests

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/internal/netif"
	"github.com/ctdb-go/ctdb/tests/netns"
	"golang.org/x/sys/unix"
)

// TestDisconnectedNodeFlags: first the scripts' commands that need a
// daemon (checkScriptControls); then a killed node shows as CTDB shows it,
// DISCONNECTED|UNHEALTHY|INACTIVE, in status, nodestatus (exit code: the
// flags, 3), -X output, and as the refusal of a command sent to it.
func TestDisconnectedNodeFlags(t *testing.T) {
	c := cluster(t, localcluster.Options{Nodes: 2, Scripts: clusterScripts})
	startAll(t, c)
	waitConverged(t, c, seq(2), allOK(2), 20*time.Second)
	checkScriptControls(t, c)
	if err := c.Kill(1, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	want := allOK(2)
	want[1] = "DISCONNECTED|UNHEALTHY|INACTIVE"
	waitConverged(t, c, []int{0}, want, 15*time.Second)

	addr := c.NodeAddr(1)
	checks := []struct {
		args []string
		code int
		out  string // expected in stdout+stderr
	}{
		{[]string{"status"}, 0, fmt.Sprintf("pnn:1 %-16s DISCONNECTED|UNHEALTHY|INACTIVE\n", addr)},
		{[]string{"-X", "status"}, 0, fmt.Sprintf("|1|%s|1|0|0|0|1|0|1|0|N|\n", addr)},
		{[]string{"nodestatus", "1"}, 3, fmt.Sprintf("pnn:1 %-16s DISCONNECTED|UNHEALTHY|INACTIVE\n", addr)},
		{[]string{"-X", "nodestatus", "all"}, 3, fmt.Sprintf("|1|%s|1|0|0|0|1|0|1|0|N|\n", addr)},
		{[]string{"-n", "1", "ping"}, 1, "Node 1 has status DISCONNECTED|UNHEALTHY|INACTIVE\n"},
		{[]string{"-n", "1", "ip"}, 1, "Node 1 has status DISCONNECTED|UNHEALTHY|INACTIVE\n"},
		{[]string{"-n", "1", "-X", "status"}, 1, "Node 1 has status DISCONNECTED|UNHEALTHY|INACTIVE\n"},
	}
	for _, ch := range checks {
		out, errOut, code := c.Ctdb(0, ch.args...)
		if code != ch.code || !strings.Contains(out+errOut, ch.out) {
			t.Errorf("ctdb %s: exit %d (want %d)\nstdout: %s\nstderr: %s\nwant: %q",
				strings.Join(ch.args, " "), code, ch.code, out, errOut, ch.out)
		}
	}
	// Back: its own flags replace DISCONNECTED|UNHEALTHY.
	start(t, c, 1)
	waitConverged(t, c, seq(2), allOK(2), 20*time.Second)
}

// tickleSeen is a tickle ACK the client's host received.
type tickleSeen struct {
	src, dst netip.AddrPort
	mac      net.HardwareAddr // Ethernet source: the node that sent it
	at       time.Time
}

// tickleCapture records, on host h's interface, incoming TCP segments
// that are tickle ACKs: only ACK set, sequence and acknowledgement 0.
type tickleCapture struct {
	fd   int
	mu   sync.Mutex
	seen []tickleSeen
	done chan struct{}
}

func captureTickles(t *testing.T, h *netns.Host) *tickleCapture {
	t.Helper()
	c := &tickleCapture{done: make(chan struct{})}
	err := h.Do(func() error {
		l, err := netif.LinkByName(h.Iface)
		if err != nil {
			return err
		}
		// SOCK_DGRAM: IP packets, with the Ethernet source in the address.
		c.fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_IP)))
		if err != nil {
			return err
		}
		tv := unix.Timeval{Usec: 100_000}
		if err := unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			return err
		}
		return unix.Bind(c.fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_IP), Ifindex: l.Index})
	})
	if err != nil {
		t.Fatalf("tickle capture on %s: %v", h.Name, err)
	}
	go c.read()
	t.Cleanup(func() {
		close(c.done)
		unix.Close(c.fd)
	})
	return c
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func (c *tickleCapture) read() {
	buf := make([]byte, 2048)
	for {
		select {
		case <-c.done:
			return
		default:
		}
		n, from, err := unix.Recvfrom(c.fd, buf, 0)
		if err != nil {
			continue // receive timeout: look at done again
		}
		ll, ok := from.(*unix.SockaddrLinklayer)
		if !ok || ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		p := buf[:n]
		if len(p) < 40 || p[0]>>4 != 4 || p[9] != unix.IPPROTO_TCP {
			continue
		}
		tcp := p[int(p[0]&0xf)*4:]
		if len(tcp) < 20 || tcp[13] != 0x10 || binary.BigEndian.Uint32(tcp[4:8]) != 0 || binary.BigEndian.Uint32(tcp[8:12]) != 0 {
			continue
		}
		s := tickleSeen{
			src: netip.AddrPortFrom(netip.AddrFrom4([4]byte(p[12:16])), binary.BigEndian.Uint16(tcp[0:2])),
			dst: netip.AddrPortFrom(netip.AddrFrom4([4]byte(p[16:20])), binary.BigEndian.Uint16(tcp[2:4])),
			mac: append(net.HardwareAddr(nil), ll.Addr[:ll.Halen]...), at: time.Now(),
		}
		c.mu.Lock()
		c.seen = append(c.seen, s)
		c.mu.Unlock()
	}
}

func (c *tickleCapture) all() []tickleSeen {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]tickleSeen(nil), c.seen...)
}

func macOf(t *testing.T, h *netns.Host) net.HardwareAddr {
	t.Helper()
	var mac net.HardwareAddr
	if err := h.Do(func() error {
		l, err := netif.LinkByName(h.Iface)
		mac = l.MAC
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return mac
}

// TestTicklesAfterTakeover: a client connection to a public address on
// node A is registered with `ctdb addtickle` on A; node B learns it at
// once (A pushes its list on change). After kill -9 of A's ctdbd, B takes
// the address over and sends the client tickle ACKs for that connection,
// seen by a sniffer in the client's namespace, coming from B's interface.
func TestTicklesAfterTakeover(t *testing.T) {
	ic := newIPCluster(t, 2, nil)
	ic.startSettled(t)
	const a, b = 0, 1
	pub := ic.addrsOf(a)[0]

	var conn net.Conn
	if err := ic.client.Do(func() error {
		var err error
		conn, err = net.DialTimeout("tcp", netip.AddrPortFrom(pub, servicePort).String(), 2*time.Second)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := netip.MustParseAddrPort(conn.LocalAddr().String())
	server := netip.MustParseAddrPort(conn.RemoteAddr().String())
	ctdb(t, ic.Cluster, a, "addtickle", client.String(), server.String())
	row := fmt.Sprintf("|%s|%d|%s|%d|\n", client.Addr(), client.Port(), server.Addr(), server.Port())
	if out := ctdb(t, ic.Cluster, a, "-X", "gettickles", pub.String()); !strings.Contains(out, row) {
		t.Fatalf("node %d does not list the connection:\n%s", a, out)
	}
	eventually(t, 5*time.Second, func() string {
		if out, _, _ := ic.Ctdb(b, "-X", "gettickles", pub.String(), fmt.Sprint(servicePort)); !strings.Contains(out, row) {
			return fmt.Sprintf("node %d does not know the connection yet:\n%s", b, out)
		}
		return ""
	})

	capture := captureTickles(t, ic.client)
	bMAC := macOf(t, ic.hosts[b])
	t0 := time.Now()
	if err := ic.Kill(a, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var got []tickleSeen
	eventually(t, 20*time.Second, func() string {
		got = nil
		for _, s := range capture.all() {
			if s.src == server && s.dst == client {
				got = append(got, s)
			}
		}
		if len(got) == 0 {
			return fmt.Sprintf("no tickle ACK %s -> %s seen by the client", server, client)
		}
		return ""
	})
	if got[0].mac.String() != bMAC.String() {
		t.Errorf("tickle ACK came from %s, want node %d's %s", got[0].mac, b, bMAC)
	}
	if h := ic.holders()[pub]; len(h) != 1 || h[0] != b {
		t.Errorf("%s is on nodes %v after the tickle, want node %d", pub, h, b)
	}
	t.Logf("kill -9 of node %d: node %d tickled %s -> %s %.2f s later", a, b, server, client, got[0].at.Sub(t0).Seconds())
	// The new holder keeps the list: its clients can be tickled again.
	if out := ctdb(t, ic.Cluster, b, "-X", "gettickles", pub.String()); !strings.Contains(out, row) {
		t.Errorf("node %d lost the connection after taking %s over:\n%s", b, pub, out)
	}
	// `ctdb tickle` sends one by hand, without a daemon.
	manual := netip.AddrPortFrom(client.Addr(), 1)
	tool := ic.hosts[b].Command(filepath.Join(binDir, "ctdb"), "tickle", manual.String(), server.String())
	if out, err := tool.CombinedOutput(); err != nil {
		t.Fatalf("ctdb tickle %s %s: %v\n%s", manual, server, err, out)
	}
	eventually(t, 5*time.Second, func() string {
		for _, s := range capture.all() {
			if s.src == server && s.dst == manual && s.mac.String() == bMAC.String() {
				return ""
			}
		}
		return fmt.Sprintf("no tickle ACK %s -> %s from `ctdb tickle`", server, manual)
	})

	// setifacelink: the link state ctdbd uses, until set again.
	ctdb(t, ic.Cluster, b, "setifacelink", "eth0", "down")
	if out := ctdb(t, ic.Cluster, b, "ifaces"); !strings.Contains(out, "name:eth0 link:down ") {
		t.Errorf("ifaces after setifacelink eth0 down:\n%s", out)
	}
	ctdb(t, ic.Cluster, b, "setifacelink", "eth0", "up")
	if out := ctdb(t, ic.Cluster, b, "ifaces"); !strings.Contains(out, "name:eth0 link:up ") {
		t.Errorf("ifaces after setifacelink eth0 up:\n%s", out)
	}

	// A restarted node learns the lists from the holder when it connects.
	start(t, ic.Cluster, a)
	waitRunning(t, ic.Cluster, a)
	eventually(t, 10*time.Second, func() string {
		if out, _, _ := ic.Ctdb(a, "-X", "gettickles", pub.String()); !strings.Contains(out, row) {
			return fmt.Sprintf("restarted node %d does not know the connection:\n%s", a, out)
		}
		return ""
	})
}

// checkScriptControls runs process-exists, dumpmemory, rddumpmemory,
// recover and setleaderrole against real daemons.
func checkScriptControls(t *testing.T, c *localcluster.Cluster) {
	t.Helper()
	m := regexp.MustCompile(`Started recovery daemon \(pid (\d+)\)`).FindAllStringSubmatch(c.Log(0), -1)
	if len(m) == 0 {
		t.Fatalf("no recovery daemon pid in node 0's log")
	}
	recd, ctdbd := m[len(m)-1][1], fmt.Sprint(c.PID(0))
	for _, ch := range []struct {
		args []string
		code int
		out  string
	}{
		// The recovery daemon is a client of ctdbd; ctdbd is not its own.
		{[]string{"process-exists", recd}, 0, "PID " + recd + " exists\n"},
		{[]string{"process-exists", ctdbd}, 1, "PID " + ctdbd + " does not exist\n"},
		{[]string{"process-exists", recd, "0x1234"}, 1, "PID " + recd + " with SRVID 0x1234 does not exist\n"},
		{[]string{"dumpmemory"}, 0, "Memory of ctdbd (pid " + ctdbd + ") on node 0\n"},
		{[]string{"rddumpmemory"}, 0, "Memory of ctdb-recoverd (pid " + recd + ") on node 0\n"},
		{[]string{"-n", "1", "rddumpmemory"}, 0, "on node 1\n"},
	} {
		out, errOut, code := c.Ctdb(0, ch.args...)
		memory := strings.HasSuffix(ch.args[len(ch.args)-1], "dumpmemory")
		if code != ch.code || !strings.Contains(out, ch.out) || (memory && !strings.Contains(out, "VmRSS")) {
			t.Errorf("ctdb %s: exit %d (want %d)\nstdout: %s\nstderr: %s\nwant: %q",
				strings.Join(ch.args, " "), code, ch.code, out, errOut, ch.out)
		}
	}

	before, _ := statusOf(c, 1)
	ctdb(t, c, 1, "recover")
	if after, _ := statusOf(c, 1); after.Generation == before.Generation {
		t.Errorf("ctdb recover returned with the generation unchanged (%v)", after.Generation)
	}

	leader := leaderOf(t, c, 0)
	other := 1 - leader
	ctdb(t, c, other, "-n", fmt.Sprint(leader), "setleaderrole", "off")
	if out := ctdb(t, c, leader, "getcapabilities"); out != "LEADER: NO\nLMASTER: YES\n" {
		t.Errorf("getcapabilities after setleaderrole off:\n%s", out)
	}
	eventually(t, 10*time.Second, func() string {
		for i := 0; i < 2; i++ {
			if st, _ := statusOf(c, i); st.Leader != fmt.Sprint(other) {
				return fmt.Sprintf("node %d sees leader %s, want %d (node %d lost the LEADER role)", i, st.Leader, other, leader)
			}
		}
		return ""
	})
	ctdb(t, c, leader, "setleaderrole", "on")

	// Without the LMASTER role a node leaves the vnnmap (a recovery).
	size := func(want int) func() string {
		return func() string {
			if st, _ := statusOf(c, 0); st.Size != want {
				return fmt.Sprintf("vnnmap size %d, want %d", st.Size, want)
			}
			return ""
		}
	}
	ctdb(t, c, 0, "-n", "1", "setlmasterrole", "off")
	eventually(t, 10*time.Second, size(1))
	if out := ctdb(t, c, 0, "status"); !strings.Contains(out, "Size:1\nhash:0 lmaster:0\n") {
		t.Errorf("status without node 1 as LMASTER:\n%s", out)
	}
	ctdb(t, c, 0, "-n", "1", "setlmasterrole", "on")
	eventually(t, 10*time.Second, size(2))
}

// TestTickleResetsIdleClient: the effect tickles exist for. Node A, which
// holds a public address with an idle client connection, is cut off the
// network (no guard on A can reach the client, as when A loses power).
// Node B takes the address over and tickles the client; the client's
// kernel answers with its real sequence numbers, B has no such connection
// and resets it, and the client's pending read fails at once with a reset
// instead of hanging until its own timeout (it sends nothing, so without
// the tickle it would never notice).
func TestTickleResetsIdleClient(t *testing.T) {
	ic := newIPCluster(t, 2, nil)
	ic.startSettled(t)
	// A is the node that is not the leader: the leader's side must stay
	// able to take the cluster lock.
	b := leaderOf(t, ic.Cluster, 0)
	a := 1 - b
	pub := ic.addrsOf(a)[0]

	// No TCP keepalives (Go sends them after 15 s idle): the client must
	// stay silent, as an idle NFS or SMB client does.
	var conn net.Conn
	if err := ic.client.Do(func() error {
		var err error
		d := net.Dialer{Timeout: 2 * time.Second, KeepAlive: -1}
		conn, err = d.Dial("tcp", netip.AddrPortFrom(pub, servicePort).String())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	if _, err := r.ReadString('\n'); err != nil { // the server's label
		t.Fatal(err)
	}
	client := netip.MustParseAddrPort(conn.LocalAddr().String())
	server := netip.MustParseAddrPort(conn.RemoteAddr().String())
	ctdb(t, ic.Cluster, a, "addtickle", client.String(), server.String())
	row := fmt.Sprintf("|%s|%d|%s|%d|\n", client.Addr(), client.Port(), server.Addr(), server.Port())
	eventually(t, 5*time.Second, func() string {
		if out, _, _ := ic.Ctdb(b, "-X", "gettickles", pub.String()); !strings.Contains(out, row) {
			return fmt.Sprintf("node %d does not know the connection yet:\n%s", b, out)
		}
		return ""
	})

	ended := make(chan error, 1)
	go func() {
		conn.SetReadDeadline(time.Now().Add(60 * time.Second))
		_, err := r.ReadString('\n')
		ended <- err
	}()
	t0 := time.Now()
	if err := ic.net.Isolate(a); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ended:
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("the idle client's connection ended with %v, want a reset", err)
		}
		t.Logf("node %d cut off: the idle client's connection to %s was reset %.2f s later", a, pub, time.Since(t0).Seconds())
	case <-time.After(20 * time.Second):
		t.Fatalf("the idle client's connection to %s was not reset 20 s after node %d was cut off (holders: %v)",
			pub, a, ic.holders()[pub])
	}
	if h := ic.holders()[pub]; !slices.Contains(h, b) {
		t.Errorf("%s is on nodes %v, want node %d among them", pub, h, b)
	}
}
