package netns

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// Host is one namespace on the Net.
type Host struct {
	// Name is the network namespace name (for `ip -n`, `ip netns exec`).
	Name string
	// Label is the short name given at creation ("n0", "client").
	Label string
	// Index is the host's number, as used by Net.Host, Isolate, Partition.
	Index int
	// Addr is the host's address on Iface; Prefix is it with the subnet's length.
	Addr   netip.Addr
	Prefix netip.Prefix
	// Iface is the host's interface on the bridge ("eth0").
	Iface string

	port   string // its veth end in the switch namespace
	bridge string // bridge port is on, "" when isolated; guarded by net.mu
	net    *Net
}

// nsPath is the bind-mounted namespace file `ip netns add` created.
func (h *Host) nsPath() string { return "/run/netns/" + h.Name }

// Command returns a command that runs name inside the host's network
// namespace through `nsenter --net`. Only the network namespace differs from
// the test's: files, mounts, /tmp and /sys are the test's (see the package
// documentation). Set Stdout, Env and so on as usual.
func (h *Host) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("nsenter", append([]string{"--net=" + h.nsPath(), "--", name}, args...)...)
}

// owns reports whether cmd was made by h.Command.
func (h *Host) owns(cmd *exec.Cmd) bool {
	return len(cmd.Args) >= 3 && cmd.Args[1] == "--net="+h.nsPath() && cmd.Args[2] == "--"
}

// Run runs name inside the host and returns its combined output. It fails
// the test if the command fails.
func (h *Host) Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := h.Output(name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Output runs name inside the host and returns its combined output; the
// error carries that output.
func (h *Host) Output(name string, args ...string) (string, error) {
	out, err := h.Command(name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("netns: %s on %s: %w\n%s", name, h.Label, err, out)
	}
	return string(out), nil
}

// Do calls fn on an OS thread that has joined the host's network namespace,
// and returns its error. Sockets fn creates stay in the namespace and may be
// used anywhere afterwards. Goroutines fn starts run outside the namespace.
// The thread is discarded afterwards (never returned to the Go scheduler),
// so no other goroutine can run in the wrong namespace.
func (h *Host) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		// No UnlockOSThread: the runtime ends a locked thread when its
		// goroutine exits.
		runtime.LockOSThread()
		f, err := os.Open(h.nsPath())
		if err != nil {
			errc <- fmt.Errorf("netns: enter %s: %w", h.Label, err)
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("netns: setns %s: %w", h.Label, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// Addrs returns the addresses currently on iface inside the host, IPv6 link
// local ones included. It reads them over netlink in-process (no `ip`
// process), so it is cheap enough to poll.
func (h *Host) Addrs(iface string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	err := h.Do(func() error {
		ifi, err := net.InterfaceByName(iface)
		if err != nil {
			return fmt.Errorf("netns: %s: %w", h.Label, err)
		}
		addrs, err := ifi.Addrs()
		if err != nil {
			return fmt.Errorf("netns: %s %s addresses: %w", h.Label, iface, err)
		}
		for _, a := range addrs {
			if p, ok := toPrefix(a); ok {
				out = append(out, p)
			}
		}
		return nil
	})
	return out, err
}

// HasAddr reports whether addr is currently on iface inside the host.
func (h *Host) HasAddr(iface string, addr netip.Addr) (bool, error) {
	prefixes, err := h.Addrs(iface)
	for _, p := range prefixes {
		if p.Addr() == addr {
			return true, nil
		}
	}
	return false, err
}

func toPrefix(a net.Addr) (netip.Prefix, bool) {
	ipn, ok := a.(*net.IPNet)
	if !ok {
		return netip.Prefix{}, false
	}
	addr, ok := netip.AddrFromSlice(ipn.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, _ := ipn.Mask.Size()
	return netip.PrefixFrom(addr.Unmap(), ones), true
}
