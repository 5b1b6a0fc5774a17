package ipguard

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/ctdb-go/ctdb/internal/logging"
	"github.com/ctdb-go/ctdb/internal/netif"
	"github.com/ctdb-go/ctdb/internal/pollstdin"
	"github.com/sirupsen/logrus"
)

// Main is the guard process: args are the ping timeout, the log location
// and the log level. It feeds stdin's lines and its timer to Guard.Step
// and carries out the outputs.
func Main(args []string) int {
	if len(args) != 3 {
		fmt.Fprintln(os.Stderr, "ctdbd ip guard: want TIMEOUT LOCATION LEVEL")
		return 2
	}
	timeout, err := time.ParseDuration(args[0])
	if err != nil || timeout <= 0 {
		fmt.Fprintf(os.Stderr, "ctdbd ip guard: bad timeout %q\n", args[0])
		return 2
	}
	logger, err := logging.New(logging.Options{Location: args[1], Level: args[2], Tag: "ctdbd-ipguard"})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ctdbd ip guard: %v\n", err)
		return 2
	}
	defer logger.Close()
	log := logger.WithField(logging.TagField, "ctdbd-ipguard")
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pollstdin.Open())
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	g := New(timeout, time.Now())
	timer := time.NewTimer(timeout)
	timer.Stop() // nothing held yet: no timeout until ctdbd adds an address
	for {
		var in Input
		select {
		case line, ok := <-lines:
			in = Input{Kind: Line, Line: line}
			if !ok {
				in = Input{Kind: Closed}
			}
		case <-timer.C:
			in = Input{Kind: Tick}
		}
		in.Now = time.Now()
		out := g.Step(in)
		if out.Bad != "" {
			log.Error(out.Bad)
		}
		if out.Why != "" {
			removeAll(log, out.Remove, out.Why)
		}
		if out.Exit {
			return 0
		}
		if out.Wake.IsZero() {
			timer.Stop()
		} else {
			timer.Reset(time.Until(out.Wake))
		}
	}
}

func removeAll(log *logrus.Entry, held []Address, why string) {
	// Reset the clients' connections first, on every address, so they
	// reconnect to the addresses' next nodes at once instead of waiting for
	// TCP timeouts. All of them before any delete: deleting the first
	// address of a subnet makes the kernel drop its secondaries too.
	resets := 0
	for _, a := range held {
		if p, err := netip.ParsePrefix(a.Prefix); err == nil {
			n, _ := netif.KillConnections(p.Addr())
			resets += n
		}
	}
	for _, a := range held {
		out, err := exec.Command("ip", "addr", "del", a.Prefix, "dev", a.Iface).CombinedOutput()
		if err != nil && !strings.Contains(string(out), "not found") {
			log.Errorf("Cannot remove public address %s from %s (%s): %v %s", a.Prefix, a.Iface, why, err, strings.TrimSpace(string(out)))
			continue
		}
		log.Warningf("Removed public address %s from %s: %s", a.Prefix, a.Iface, why)
	}
	log.Warningf("Reset %d client connections: %s", resets, why)
}
