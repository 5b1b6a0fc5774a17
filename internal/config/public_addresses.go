package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// ParsePublicAddresses reads a public_addresses file: one
// "ADDR/MASK IFACE[,IFACE...]" per line, IPv4 or IPv6. Blank lines and lines
// starting with '#' are ignored. The address is kept unmasked
// (10.0.0.5/24 stays 10.0.0.5/24). A missing file means no public addresses
// (nil, nil), as in CTDB.
func ParsePublicAddresses(path string) ([]PublicAddress, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("public addresses file: %w", err)
	}
	var out []PublicAddress
	seen := map[netip.Addr]int{}
	err = eachLine(data, func(n int, line string) error {
		if line == "" || line[0] == '#' {
			return nil
		}
		pa, err := parsePublicLine(line)
		if err != nil {
			return lineError(path, n, "%v", err)
		}
		addr := pa.Prefix.Addr()
		if first, dup := seen[addr]; dup {
			return lineError(path, n, "duplicate address %s (also on line %d)", addr, first)
		}
		seen[addr] = n
		out = append(out, pa)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func parsePublicLine(line string) (PublicAddress, error) {
	fields := strings.Fields(line)
	if len(fields) != 2 {
		return PublicAddress{}, fmt.Errorf(`expected "ADDR/MASK IFACE[,IFACE...]", got %q`, line)
	}
	prefix, err := parseAddrMask(fields[0])
	if err != nil {
		return PublicAddress{}, err
	}
	ifaces, err := parseIfaceList(fields[1])
	if err != nil {
		return PublicAddress{}, err
	}
	return PublicAddress{Prefix: prefix, Ifaces: ifaces}, nil
}

// parseAddrMask parses ADDR/MASK without masking the address. The mask must
// be 1..32 for IPv4 and 1..128 for IPv6.
func parseAddrMask(s string) (netip.Prefix, error) {
	as, ms, ok := strings.Cut(s, "/")
	if !ok {
		return netip.Prefix{}, fmt.Errorf("invalid address %q: expected ADDR/MASK", s)
	}
	addr, err := parseUnicastAddr(as)
	if err != nil {
		return netip.Prefix{}, err
	}
	bits, err := strconv.Atoi(ms)
	if err != nil || bits < 1 || bits > addr.BitLen() {
		return netip.Prefix{}, fmt.Errorf("invalid mask %q in %q: must be 1-%d", ms, s, addr.BitLen())
	}
	return netip.PrefixFrom(addr, bits), nil
}

func parseIfaceList(s string) ([]string, error) {
	names := strings.Split(s, ",")
	seen := map[string]bool{}
	for _, name := range names {
		if err := checkIfaceName(name); err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, fmt.Errorf("interface %q listed twice", name)
		}
		seen[name] = true
	}
	return names, nil
}

// checkIfaceName applies the kernel's rules for interface names
// (dev_valid_name): 1-15 bytes, not "." or "..", no '/', ':' or whitespace.
// We also refuse ',' (our list separator) and control characters.
func checkIfaceName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("invalid interface name %q: empty", name)
	case len(name) > 15:
		return fmt.Errorf("invalid interface name %q: longer than 15 characters", name)
	case name == "." || name == "..":
		return fmt.Errorf("invalid interface name %q", name)
	}
	for _, r := range name {
		if r == '/' || r == ':' || r == ',' || r <= ' ' || r == 0x7f {
			return fmt.Errorf("invalid interface name %q: must not contain %q", name, r)
		}
	}
	return nil
}
