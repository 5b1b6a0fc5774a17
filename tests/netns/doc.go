// Package netns builds multi-host test networks out of Linux network
// namespaces, using iproute2 (`ip`) and util-linux `nsenter`. It is meant for
// tests in other packages that need several "machines" with their own
// addresses, and the ability to cut the network between them.
//
// # Layout
//
// New(t, n) creates one "switch" namespace holding a Linux bridge (br0) and n
// host namespaces. Host i has a veth pair whose host end is named eth0 and
// carries Subnet.Addr()+i+1 (10.97.0.1/24, 10.97.0.2/24, ... by default);
// the switch end is named p<i> and is a port of br0. AddHost adds further
// hosts (a client, say) to the same bridge with the next address. Every
// address lives only inside the namespaces: nothing on the host's own
// interfaces, routes or addresses is touched, so two Nets (or two test
// binaries) using the same subnet never see each other.
//
// Namespace names are "<prefix>-<pid>-<random>-<label>", e.g.
// "ctdbt-4242-9f3a01bc-n0". The pid is that of the test binary that created
// them; Sweep uses it to tell a crashed run's leftovers (pid gone) from a
// concurrently running test binary's namespaces (pid alive, never touched).
//
// # Running things inside a host
//
// Host.Command returns an exec.Cmd that runs under `nsenter --net=...`: only
// the network namespace changes. Unlike `ip netns exec`, no mount namespace
// is unshared and /sys is not remounted, so the process sees exactly the
// same files, mounts (FUSE fixtures included, see the hung-filesystem notes,
// pitfall 9) and /tmp as the test. One consequence: /sys/class/net shows the
// *host's* interfaces, not the namespace's; use `ip` or netlink (which follow
// the network namespace) to look at interfaces. /etc/hosts and resolv.conf
// are the host's too; use addresses, not names.
//
// Host.Do runs a Go function on an OS thread that has joined the namespace,
// so a test can listen or dial from inside a host without starting a
// process. Sockets keep the namespace they were created in, so a listener
// or connection made inside Do may be used from any goroutine afterwards.
//
// # Cutting the network
//
// Isolate, Partition and Heal move the hosts' switch-side ports between
// bridges inside the switch namespace: hosts in the same group share a
// bridge, an isolated host's port belongs to no bridge at all. This cuts
// everything at layer 2, exactly like unplugging switch cables: IPv4 and
// IPv6 unicast to node addresses and to any extra (public) address,
// broadcasts, ARP and gratuitous ARP. Frames are silently dropped, so TCP
// sees timeouts and retransmissions, not resets or unreachable errors.
// Interfaces inside the hosts stay up with carrier (no link-down event),
// addresses and routes are untouched, and ARP/neighbour caches keep their
// entries, as on a real network. After Heal, existing TCP connections
// recover on their next retransmission.
//
// Cleanup happens through t.Cleanup: processes started with Host.Start are
// signalled by PID (SIGTERM, then SIGKILL), any other process still inside
// one of the Net's namespaces is SIGKILLed by PID, and every namespace is
// deleted, even when the test fails. Waits are bounded, so a process stuck
// in uninterruptible sleep (for example on a frozen FUSE mount) does not
// hang the cleanup; its namespace name is deleted anyway.
package netns
