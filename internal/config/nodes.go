package config

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
)

// ParseNodes reads a nodes file with CTDB's semantics: one IPv4 or IPv6
// address per line; blank lines are skipped and take no PNN; a line starting
// with '#' is a DELETED node that keeps its PNN slot, so PNN = index among
// the non-blank lines. The address after a '#' is kept when it parses, for
// display. Bad or duplicate addresses and a file with no active node are
// errors; a missing file is an error naming it.
func ParseNodes(path string) ([]Node, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nodes file: %w", err)
	}
	var nodes []Node
	seen := map[netip.Addr]int{}
	active := 0
	err = eachLine(data, func(n int, line string) error {
		if line == "" {
			return nil
		}
		node, err := parseNodeLine(line)
		if err != nil {
			return lineError(path, n, "%v", err)
		}
		node.PNN = uint32(len(nodes))
		if !node.Deleted {
			if first, dup := seen[node.Addr]; dup {
				return lineError(path, n, "duplicate address %s (also on line %d)", node.Addr, first)
			}
			seen[node.Addr] = n
			active++
		}
		nodes = append(nodes, node)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if active == 0 {
		return nil, lineError(path, 0, "no active nodes (every line is blank or deleted)")
	}
	return nodes, nil
}

func parseNodeLine(line string) (Node, error) {
	if rest, ok := strings.CutPrefix(line, "#"); ok {
		a, err := netip.ParseAddr(strings.TrimSpace(rest))
		if err != nil {
			a = netip.Addr{}
		}
		return Node{Addr: a.Unmap(), Deleted: true}, nil
	}
	a, err := parseUnicastAddr(line)
	if err != nil {
		return Node{}, err
	}
	return Node{Addr: a}, nil
}

// parseUnicastAddr parses an address a node can own: no zone, not
// unspecified, not multicast. IPv4-mapped IPv6 becomes plain IPv4.
func parseUnicastAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("invalid address %q", s)
	}
	a = a.Unmap()
	if a.IsUnspecified() || a.IsMulticast() {
		return netip.Addr{}, fmt.Errorf("invalid address %q: not a unicast address", s)
	}
	return a, nil
}
