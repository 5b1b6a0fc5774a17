package netns

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// DefaultPrefix is the namespace name prefix used unless WithPrefix says
// otherwise. Sweep(DefaultPrefix) removes what crashed runs left behind.
const DefaultPrefix = "ctdbt"

// validPrefix and validLabel keep names short and free of characters that
// `ip netns` or a path would treat specially.
var (
	validPrefix = regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`)
	validLabel  = regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`)
)

// nameSet builds the namespace names of one Net: "<prefix>-<pid>-<rand>-".
type nameSet struct {
	base string
}

func newNameSet(prefix string, pid int) (nameSet, error) {
	if !validPrefix.MatchString(prefix) {
		return nameSet{}, fmt.Errorf("netns: bad prefix %q: want 1-12 of [a-z0-9], starting with a letter", prefix)
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nameSet{}, fmt.Errorf("netns: random name: %w", err)
	}
	return nameSet{base: fmt.Sprintf("%s-%d-%s-", prefix, pid, hex.EncodeToString(b[:]))}, nil
}

// name returns the namespace name for a label such as "sw" or "n0".
func (s nameSet) name(label string) string { return s.base + label }

// ownedName is a namespace name in our format, split into its parts.
type ownedName struct {
	prefix string
	pid    int
}

// parseName reports whether name is in the "<prefix>-<pid>-<8 hex>-<label>"
// format for this exact prefix, and if so which pid created it. Names of any
// other shape are never ours.
func parseName(prefix, name string) (ownedName, bool) {
	rest, ok := strings.CutPrefix(name, prefix+"-")
	if !ok {
		return ownedName{}, false
	}
	parts := strings.Split(rest, "-")
	if len(parts) != 3 {
		return ownedName{}, false
	}
	pid, err := strconv.Atoi(parts[0])
	if err != nil || pid <= 0 || strconv.Itoa(pid) != parts[0] {
		return ownedName{}, false
	}
	if len(parts[1]) != 8 {
		return ownedName{}, false
	}
	if _, err := hex.DecodeString(parts[1]); err != nil {
		return ownedName{}, false
	}
	if !validLabel.MatchString(parts[2]) {
		return ownedName{}, false
	}
	return ownedName{prefix: prefix, pid: pid}, true
}
