package eventscripts_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/netns"
)

// nsFn runs a snippet after sourcing functions, as script NAME, inside h's
// network namespace.
func (n *node) nsFn(h *netns.Host, name, snippet string) result {
	n.t.Helper()
	cmd := h.Command(n.shell, "-c", `. "$CTDB_BASE/functions"; `+snippet, filepath.Join(n.base, "events.d", name))
	cmd.Env = n.environ()
	cmd.Dir = n.vardir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		n.t.Fatalf("start %v: %v", cmd.Args, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill() // our own child, by PID
		<-done
		n.t.Fatalf("%q did not finish in 30 s; output:\n%s", snippet, out.String())
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return result{out.String(), 0}
	case errors.As(err, &ee):
		return result{out.String(), ee.ExitCode()}
	}
	n.t.Fatalf("%q: %v\n%s", snippet, err, out.String())
	return result{}
}

func nsNeeded(t *testing.T) *netns.Host {
	t.Helper()
	if err := netns.Check(); err != nil {
		t.Skipf("skipping the network namespace test: %v", err)
	}
	return netns.New(t, 1).Host(0)
}

// CTDB's address helpers with the real ip, in a namespace.
func TestCTDBAddressHelpersInNetns(t *testing.T) {
	h := nsNeeded(t)
	n := newNode(t)
	n.writeFile(filepath.Join(n.base, "public_addresses"), "10.97.0.60/24 eth0\n# 10.97.0.62/24 eth0\n10.97.0.61/24 eth0\n", 0o644)

	expectEmpty(t, "add", n.nsFn(h, "10.interface", "add_ip_to_iface eth0 10.97.0.50 24"))
	expectNsAddr(t, h, "add", "10.97.0.50/24", true)
	expect(t, "maskbits", n.nsFn(h, "10.interface", "ip_maskbits_iface 10.97.0.50"), 0, "24 eth0\n")
	expectEmpty(t, "maskbits, not held", n.nsFn(h, "10.interface", "ip_maskbits_iface 10.97.0.99"))
	expectEmpty(t, "add v6", n.nsFn(h, "10.interface", "add_ip_to_iface eth0 fd00:97::50 64"))
	expect(t, "maskbits v6", n.nsFn(h, "10.interface", "ip_maskbits_iface fd00:97::50"), 0, "64 eth0\n")

	expectEmpty(t, "delete", n.nsFn(h, "10.interface", "delete_ip_from_iface eth0 10.97.0.50 24"))
	expectNsAddr(t, h, "delete", "10.97.0.50/24", false)
	expect(t, "promote_secondaries", n.nsFn(h, "10.interface", "get_proc sys/net/ipv4/conf/eth0/promote_secondaries"), 0, "1\n")
	expect(t, "add to a missing interface", n.nsFn(h, "10.interface", "add_ip_to_iface nosuch0 10.97.0.51 24"), 1,
		"Failed to bringup interface nosuch0")

	expectEmpty(t, "add .60", n.nsFn(h, "10.interface", "add_ip_to_iface eth0 10.97.0.60 24"))
	got := n.nsFn(h, "10.interface", "drop_all_public_ips")
	expect(t, "drop all", got, 0, "Removing public address 10.97.0.60/24 from device eth0\n")
	if strings.Count(got.out, "Removing") != 1 {
		t.Fatalf("drop_all_public_ips removed more than .60:\n%s", got.out)
	}
	expectNsAddr(t, h, "drop all", "10.97.0.60/24", false)
	expectNsAddr(t, h, "drop all", h.Prefix.String(), true)
	expect(t, "drop v6", n.nsFn(h, "10.interface", "drop_ip fd00:97::50/64"), 0, "Removing public address fd00:97::50/64 from device eth0\n")

	expectEmpty(t, "monitor eth0", n.nsFn(h, "10.interface", "interface_monitor eth0"))
	expectEmpty(t, "monitor lo", n.nsFn(h, "10.interface", "interface_monitor lo"))
	expect(t, "monitor missing", n.nsFn(h, "10.interface", "interface_monitor nosuch0"), 1,
		"ERROR: Monitored interface nosuch0 does not exist\n")
	expectEmpty(t, "flush", n.nsFn(h, "10.interface", "flush_route_cache"))

	if _, err := exec.LookPath("iptables"); err == nil {
		expectEmpty(t, "iptables add", n.nsFn(h, "10.interface", "iptables_wrapper inet -I INPUT -i eth0 -d 10.97.0.70 -j DROP"))
		if rules := h.Run(t, "iptables", "-S", "INPUT"); !strings.Contains(rules, "10.97.0.70/32") {
			t.Fatalf("rule missing:\n%s", rules)
		}
		expectEmpty(t, "iptables del", n.nsFn(h, "10.interface", "iptables_wrapper inet -D INPUT -i eth0 -d 10.97.0.70 -j DROP"))
		if rules := h.Run(t, "iptables", "-S", "INPUT"); strings.Contains(rules, "10.97.0.70") {
			t.Fatalf("rule left:\n%s", rules)
		}
	}
}

// stubTickleCtdb answers what update_tickles and tickle_tcp_connections
// ask, and records stdin of the tickle commands.
const stubTickleCtdb = `#!/bin/sh
echo "$*" >>"$STUB_CTDB_LOG"
case "$*" in
pnn) echo 0 ;;
"-X ip") printf '|Public IP|Node|\n|%s|0|\n|10.97.0.99|1|\n' "$STUB_IP" ;;
"-X gettickles "*) printf '|Source IP|Port|Destination IP|Port|\n|10.97.0.9|1234|%s|%s|\n' "$3" "$4" ;;
tickle|addtickle|deltickle) sed -e "s/^/$1 /" >>"$STUB_CTDB_LOG" ;;
*) echo "stub ctdb: unexpected: $*" >&2; exit 1 ;;
esac
`

// TCP connections to a public address: listing, tickles, kills.
func TestCTDBConnectionHelpersInNetns(t *testing.T) {
	h := nsNeeded(t)
	n := newNode(t)
	n.writeFile(filepath.Join(n.stubs, "ctdb"), stubTickleCtdb, 0o755)
	n.env["STUB_IP"] = "10.97.0.80"
	h.Run(t, "ip", "addr", "add", "10.97.0.80/24", "dev", "eth0")

	var server, client net.Conn
	var ln net.Listener
	if err := h.Do(func() error {
		var err error
		if ln, err = net.Listen("tcp", "10.97.0.80:0"); err != nil {
			return err
		}
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: h.Addr.AsSlice()}}
		if client, err = d.Dial("tcp", ln.Addr().String()); err != nil {
			return err
		}
		server, err = ln.Accept()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	defer client.Close()
	defer server.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	local, peer := fmt.Sprintf("10.97.0.80:%d", port), client.LocalAddr().String()

	expect(t, "connections", n.nsFn(h, "10.interface", "get_tcp_connections_for_ip 10.97.0.80"), 0, local+" "+peer+"\n")
	expectEmpty(t, "no connections", n.nsFn(h, "10.interface", "get_tcp_connections_for_ip 10.97.0.81"))

	expect(t, "tickle", n.nsFn(h, "10.interface", "tickle_tcp_connections 10.97.0.80"), 0,
		"Tickle TCP connection "+local+" "+peer+"\nTickle TCP connection "+peer+" "+local+"\n")
	expectEmpty(t, "tickle, none", n.nsFn(h, "10.interface", "tickle_tcp_connections 10.97.0.81"))

	expectEmpty(t, "update_tickles", n.nsFn(h, "60.nfs", fmt.Sprintf("update_tickles %d", port)))
	calls := strings.Join(n.calls(), "\n")
	for _, want := range []string{
		"tickle " + local + " " + peer, "tickle " + peer + " " + local,
		fmt.Sprintf("-X gettickles 10.97.0.80 %d", port),
		// Client first, as "ctdb gettickles" prints them.
		"addtickle " + peer + " " + local,
		fmt.Sprintf("deltickle 10.97.0.9:1234 10.97.0.80:%d", port),
	} {
		if !strings.Contains(calls, want+"\n") && !strings.HasSuffix(calls, want) {
			t.Errorf("ctdb calls lack %q:\n%s", want, calls)
		}
	}
	if strings.Contains(calls, "gettickles 10.97.0.99") {
		t.Errorf("update_tickles asked for another node's address:\n%s", calls)
	}
	if left, _ := filepath.Glob(filepath.Join(n.vardir, "scripts", "tickles", "*")); len(left) != 0 {
		t.Errorf("work files left: %v", left)
	}

	got := n.nsFn(h, "10.interface", "kill_tcp_connections eth0 10.97.0.80")
	if strings.Contains(got.out, "Failed to kill") {
		t.Skipf("this kernel cannot destroy sockets (ss -K): %s", got.out)
	}
	expect(t, "kill", got, 0, "Killed 1/1 TCP connections to released IP 10.97.0.80\n")
	expectEmpty(t, "after the kill", n.nsFn(h, "10.interface", "get_tcp_connections_for_ip 10.97.0.80"))
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := server.Read(make([]byte, 1)); err == nil || os.IsTimeout(err) {
		t.Fatalf("server side of the connection still open after the kill: %v", err)
	}
	expectEmpty(t, "kill, none", n.nsFn(h, "10.interface", "kill_tcp_connections_local_only eth0 10.97.0.80"))
}
