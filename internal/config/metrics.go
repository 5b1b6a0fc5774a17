package config

import (
	"fmt"
	"net/netip"
)

// checkListen accepts "" (off) or ADDR:PORT with an IP address and a port:
// the metrics endpoint is bound to the address given, never to every
// address by default.
func checkListen(v string) error {
	if v == "" {
		return nil
	}
	ap, err := netip.ParseAddrPort(v)
	if err != nil {
		return fmt.Errorf("invalid listen address %q: want ADDR:PORT, e.g. 127.0.0.1:9477 or [::1]:9477", v)
	}
	if ap.Port() == 0 {
		return fmt.Errorf("invalid listen address %q: port must be 1-65535", v)
	}
	return nil
}
