package tunables

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Sentinel errors returned (wrapped) by Set.Set and LoadFile.
var (
	// ErrUnknownTunable: the name is neither a live nor an obsolete tunable.
	ErrUnknownTunable = errors.New("unknown tunable")
	// ErrObsolete: the tunable is obsolete. The value WAS stored; callers
	// should log the error as a warning and carry on, as CTDB does.
	ErrObsolete = errors.New("tunable is obsolete and has no effect")
)

// Value is a tunable name with its current value.
type Value struct {
	Name  string
	Value uint32
}

// Set is a mutable set of tunable values, safe for concurrent use.
// The zero value is not usable; start from Defaults.
type Set struct {
	mu     sync.Mutex
	values []uint32 // indexed like allDefs
	// changes counts calls of Set, so a reader can tell whether anything
	// changed since it last looked without fetching every value.
	changes uint64
}

// Defaults returns a new Set holding every tunable at its CTDB default.
func Defaults() *Set {
	s := &Set{values: make([]uint32, len(allDefs))}
	for i, d := range allDefs {
		s.values[i] = d.Default
	}
	return s
}

// Get returns the value of the named tunable (name matched ignoring case).
// Obsolete tunables are readable too.
func (s *Set) Get(name string) (uint32, bool) {
	i, ok := lookup(name)
	if !ok {
		return 0, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values[i], true
}

// Set stores v for the named tunable. An unknown name returns an error
// wrapping ErrUnknownTunable ("unknown tunable X") and changes nothing. An
// obsolete name stores the value and returns an error wrapping ErrObsolete.
func (s *Set) Set(name string, v uint32) error {
	i, ok := lookup(name)
	if !ok {
		return fmt.Errorf("%w %s", ErrUnknownTunable, name)
	}
	s.mu.Lock()
	s.values[i] = v
	s.changes++
	s.mu.Unlock()
	if isObsolete(i) {
		return fmt.Errorf("%s: %w", allDefs[i].Name, ErrObsolete)
	}
	return nil
}

// Changes is how many times Set was called.
func (s *Set) Changes() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changes
}

// Canonical returns CTDB's spelling of a tunable name given in any case.
func (s *Set) Canonical(name string) (string, bool) {
	i, ok := lookup(name)
	if !ok {
		return "", false
	}
	return allDefs[i].Name, true
}

// List returns the live tunables with their values in Defs order; obsolete
// tunables are left out, as in `ctdb listvars`.
func (s *Set) List() []Value {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Value, len(Defs))
	for i, d := range Defs {
		out[i] = Value{Name: d.Name, Value: s.values[i]}
	}
	return out
}

// Clone returns an independent copy of s.
func (s *Set) Clone() *Set {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &Set{values: append([]uint32(nil), s.values...)}
}

func lower(s string) string { return strings.ToLower(s) }
