// Package ipguard is the address guard: it ties a public address's life on
// this node to ctdbd's. The guard is a small child process (the
// ctdb_ipguard binary in the helper directory) that ctdbd tells, over a pipe, which
// addresses it holds, and pings. When the pipe closes without a clean
// "exit" (ctdbd died, kill -9 included), or no word arrives for the release
// bound (ctdbd hangs, e.g. SIGSTOP), the guard removes every address it
// knows of at once, so a dead or hung daemon never leaves an address that
// the leader is about to give to another node. CTDB leaves a killed
// daemon's addresses configured.
//
// The protocol is one line per message from ctdbd to the guard:
//
//	add IFACE PREFIX   ctdbd now holds PREFIX (10.0.0.1/24) on IFACE
//	del IFACE PREFIX   ctdbd released it
//	ping               ctdbd is alive
//	exit               clean shutdown: end without removing anything
//
// Any line, even one the guard does not understand, counts as word from
// ctdbd. While it holds no address the guard has nothing to remove and no
// timeout: it sleeps until a line comes (ctdbd pings it only while it
// holds addresses, and an "add" line starts the timeout). The guard's decisions are the pure step function Guard.Step; Main
// carries them out; Client is ctdbd's side.
package ipguard

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Name is the guard's binary, which ctdbd starts from its helper
// directory. It is a program of its own, not a mode of ctdbd: it links
// only what it needs, so it costs a few MiB of memory instead of ctdbd's
// dozen.
const Name = "ctdb_ipguard"

// Kind is what happened to the guard.
type Kind int

const (
	// Line: ctdbd sent a line (Input.Line).
	Line Kind = iota
	// Closed: the pipe from ctdbd closed.
	Closed
	// Tick: the wake-up time of the last Output came.
	Tick
)

// Input is one event with the time it happened.
type Input struct {
	Kind Kind
	Line string
	Now  time.Time
}

// Address is one address the guard holds for ctdbd.
type Address struct {
	Prefix string // 10.0.0.1/24
	Iface  string
}

// Output is what the guard does in answer to one Input.
type Output struct {
	// Remove lists the addresses to remove now (sorted by prefix), for
	// the reason Why.
	Remove []Address
	Why    string
	// Exit: the guard ends (after removing Remove).
	Exit bool
	// Wake is when to step with a Tick next; zero for none (on Exit, and
	// while no address is held).
	Wake time.Time
	// Bad is set when the line was not understood.
	Bad string
}

// Guard is the guard's state: the addresses ctdbd holds and when its
// last word came.
type Guard struct {
	timeout  time.Duration
	held     map[string]string // prefix -> iface
	deadline time.Time
}

// New is a guard that has just heard from ctdbd at now; timeout is how long
// it waits for the next word.
func New(timeout time.Duration, now time.Time) *Guard {
	return &Guard{timeout: timeout, held: map[string]string{}, deadline: now.Add(timeout)}
}

// Held returns the addresses the guard holds, sorted by prefix.
func (g *Guard) Held() []Address {
	out := make([]Address, 0, len(g.held))
	for p, i := range g.held {
		out = append(out, Address{Prefix: p, Iface: i})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Prefix < out[b].Prefix })
	return out
}

// Step takes one event and says what to do.
func (g *Guard) Step(in Input) Output {
	switch in.Kind {
	case Closed:
		return Output{Remove: g.Held(), Why: "ctdbd exited", Exit: true}
	case Tick:
		switch {
		case len(g.held) == 0:
			return Output{}
		case in.Now.Before(g.deadline):
			return Output{Wake: g.deadline}
		}
		out := Output{Remove: g.Held(), Why: fmt.Sprintf("no word from ctdbd for %v", g.timeout)}
		g.held = map[string]string{}
		return out
	}
	var out Output
	f := strings.Fields(in.Line)
	switch {
	case len(f) == 1 && f[0] == "exit":
		return Output{Exit: true}
	case len(f) == 1 && f[0] == "ping":
	case len(f) == 3 && f[0] == "add":
		g.held[f[2]] = f[1]
	case len(f) == 3 && f[0] == "del":
		delete(g.held, f[2])
	default:
		out.Bad = fmt.Sprintf("Unknown guard message %q", in.Line)
	}
	g.deadline = in.Now.Add(g.timeout)
	if len(g.held) > 0 {
		out.Wake = g.deadline
	}
	return out
}

// The lines ctdbd sends.
func addLine(iface, prefix string) string { return "add " + iface + " " + prefix }
func delLine(iface, prefix string) string { return "del " + iface + " " + prefix }

const (
	pingLine = "ping"
	exitLine = "exit"
)
