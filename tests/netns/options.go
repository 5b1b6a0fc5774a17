package netns

import (
	"fmt"
	"net/netip"
)

// DefaultSubnet is the subnet host addresses come from unless WithSubnet is
// given. It exists only inside the namespaces, so it cannot clash with the
// machine's own networks.
var DefaultSubnet = netip.MustParsePrefix("10.97.0.0/24")

// config holds what Options can change.
type config struct {
	prefix string
	subnet netip.Prefix
}

// Option changes how New builds a Net.
type Option func(*config)

// WithSubnet sets the subnet hosts are numbered from: host i gets the
// subnet's (i+1)th address.
func WithSubnet(p netip.Prefix) Option { return func(c *config) { c.subnet = p } }

// WithPrefix sets the namespace name prefix (default DefaultPrefix). Use the
// same prefix with Sweep.
func WithPrefix(prefix string) Option { return func(c *config) { c.prefix = prefix } }

func newConfig(opts []Option) (config, error) {
	c := config{prefix: DefaultPrefix, subnet: DefaultSubnet}
	for _, o := range opts {
		o(&c)
	}
	if !validPrefix.MatchString(c.prefix) {
		return c, fmt.Errorf("netns: bad prefix %q: want 1-12 of [a-z0-9], starting with a letter", c.prefix)
	}
	if !c.subnet.IsValid() {
		return c, fmt.Errorf("netns: subnet is not set")
	}
	c.subnet = c.subnet.Masked()
	return c, nil
}

// hostAddr returns the subnet's (i+1)th address, or an error when the subnet
// has no room for it (IPv4's broadcast address is not handed out).
func hostAddr(subnet netip.Prefix, i int) (netip.Addr, error) {
	a := subnet.Addr()
	for range i + 1 {
		a = a.Next()
	}
	last := a.Next()
	if !a.IsValid() || !subnet.Contains(a) || (a.Is4() && !subnet.Contains(last)) {
		return netip.Addr{}, fmt.Errorf("netns: subnet %s has no room for host %d", subnet, i)
	}
	return a, nil
}
