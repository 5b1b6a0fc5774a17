package daemon

import (
	"os/exec"
	"path/filepath"
	"time"

	"github.com/ctdb-go/ctdb/internal/ipguard"
)

// The address guard lives in internal/ipguard (its protocol, the guard
// process and ctdbd's side); its binary is ipguard.Name in HelperDir.

// ipGuard is ctdbd's side of the guard; nil is no guard. cmd is the guard
// process.
type ipGuard struct {
	c   *ipguard.Client
	cmd *exec.Cmd
}

// startGuard starts the guard from helperDir; timeout is how long it waits
// for a ping; it logs to logLocation with the tag ctdbd-ipguard.
func startGuard(helperDir string, timeout time.Duration, logLocation, level string) (*ipGuard, error) {
	c, err := ipguard.Start(filepath.Join(helperDir, ipguard.Name), timeout, logLocation, level)
	if err != nil {
		return nil, err
	}
	return &ipGuard{c: c, cmd: c.Cmd()}, nil
}

func (g *ipGuard) client() *ipguard.Client {
	if g == nil {
		return nil
	}
	return g.c
}

func (g *ipGuard) add(iface, prefix string) { g.client().Add(iface, prefix) }
func (g *ipGuard) del(iface, prefix string) { g.client().Del(iface, prefix) }
func (g *ipGuard) ping()                    { g.client().Ping() }
func (g *ipGuard) close()                   { g.client().Close() }

// nextPing is how long until the next ping is due (a second without a
// guard).
func (g *ipGuard) nextPing() time.Duration { return g.client().NextPing() }
