package ipalloc

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// key is an address reduced to what the LCP2 metric needs: its bits,
// left-aligned in hi:lo, and its length (32 for IPv4, 128 for IPv6, 0 for an
// invalid address, which shares no prefix with anything).
type key struct {
	hi, lo uint64
	bits   int
}

func keyOf(a netip.Addr) key {
	switch {
	case a.Is4():
		b := a.As4()
		return key{hi: uint64(binary.BigEndian.Uint32(b[:])) << 32, bits: 32}
	case a.Is6():
		b := a.As16()
		return key{
			hi:   binary.BigEndian.Uint64(b[:8]),
			lo:   binary.BigEndian.Uint64(b[8:]),
			bits: 128,
		}
	}
	return key{}
}

// prefixLen is the number of leading bits a and b share; 0 across families.
func prefixLen(a, b key) int {
	if a.bits != b.bits {
		return 0
	}
	n := bits.LeadingZeros64(a.hi ^ b.hi)
	if n == 64 {
		n += bits.LeadingZeros64(a.lo ^ b.lo)
	}
	return min(n, a.bits)
}

// pairCost is the LCP2 cost of one pair: the common prefix length squared.
func pairCost(a, b key) uint64 {
	n := uint64(prefixLen(a, b))
	return n * n
}

// CommonPrefixLen returns how many leading bits a and b share. IPv4 addresses
// compare on 32 bits and IPv6 ones (including IPv4-mapped) on 128; a mixed
// or invalid pair shares 0.
func CommonPrefixLen(a, b netip.Addr) int {
	return prefixLen(keyOf(a), keyOf(b))
}

// Cost is the LCP2 cost of one node hosting addrs: the sum, over every pair
// of addresses, of their common prefix length squared. Addresses of one
// subnet are expensive together, so minimising cost spreads each subnet over
// the nodes. Unlike CTDB, which pads IPv4 to 128 bits, IPv4 is measured on
// its own 32 bits.
func Cost(addrs []netip.Addr) uint64 {
	keys := make([]key, len(addrs))
	for i, a := range addrs {
		keys[i] = keyOf(a)
	}
	var sum uint64
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			sum += pairCost(keys[i], keys[j])
		}
	}
	return sum
}
