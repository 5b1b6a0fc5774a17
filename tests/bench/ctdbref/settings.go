package ctdbref

import (
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"regexp"

	"github.com/ctdb-go/ctdb/tests/bench/system"
)

// DefaultPort is CTDB's transport port when /etc/services has no "ctdb".
const DefaultPort = 4379

// maxSocketPath is the room for a Unix socket path (sun_path less its NUL).
const maxSocketPath = 107

// maxTrivial bounds TrivialScripts so NN stays two digits (20..89), as in
// ctdb-go's implementation.
const maxTrivial = 70

// tunableName is what a CTDB tunable name looks like.
var tunableName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)

// settings are ClusterOptions checked and with defaults filled in.
type settings struct {
	base          string
	nodes         int
	addrs         []string
	port          int
	wrap          func(i int, argv []string) []string
	tunables      map[string]uint32
	reclock       string
	trivial       int
	public        string
	reclockScript bool
	testMode      bool
}

// settle checks o and fills in its defaults. Every error names the field.
func settle(o system.ClusterOptions, testMode bool) (settings, error) {
	s := settings{nodes: o.Nodes, port: o.Port, wrap: o.Wrap, tunables: o.Tunables,
		trivial: o.TrivialScripts, public: o.PublicAddresses, reclockScript: o.ReclockScript,
		testMode: testMode}
	if o.Base == "" {
		return s, errors.New("ClusterOptions.Base is empty")
	}
	base, err := filepath.Abs(o.Base)
	if err != nil {
		return s, fmt.Errorf("ClusterOptions.Base %q: %w", o.Base, err)
	}
	s.base = base
	if o.Nodes < 1 || o.Nodes > 250 {
		return s, fmt.Errorf("ClusterOptions.Nodes must be 1..250, not %d", o.Nodes)
	}
	if s.addrs, err = settleAddrs(o.Addrs, o.Nodes); err != nil {
		return s, err
	}
	if s.port == 0 {
		s.port = DefaultPort
	}
	if s.port < 1 || s.port > 65535 {
		return s, fmt.Errorf("ClusterOptions.Port must be 0..65535, not %d", o.Port)
	}
	for name := range o.Tunables {
		if !tunableName.MatchString(name) {
			return s, fmt.Errorf("ClusterOptions.Tunables: bad tunable name %q", name)
		}
	}
	s.reclock = o.Reclock
	if s.reclock == "" {
		s.reclock = filepath.Join(base, "shared", "reclock")
	}
	if o.TrivialScripts < 0 || o.TrivialScripts > maxTrivial {
		return s, fmt.Errorf("ClusterOptions.TrivialScripts must be 0..%d, not %d", maxTrivial, o.TrivialScripts)
	}
	if o.PublicAddresses != "" && testMode {
		return s, errors.New("ClusterOptions.PublicAddresses cannot work in test mode: ctdbd then never " +
			"checks which addresses it holds, takes them again on every takeover run, 10.interface's " +
			"`ip addr add` fails (address already assigned) and the node gets banned")
	}
	if o.PublicAddresses != "" && o.Wrap == nil {
		return s, errors.New("ClusterOptions.PublicAddresses needs Wrap (a network namespace per node): " +
			"CTDB's 10.interface changes addresses and sysctls of the namespace it runs in")
	}
	l := layout{base}
	if p := l.socket(o.Nodes - 1); len(p) > maxSocketPath {
		return s, fmt.Errorf("ClusterOptions.Base %q is too long: socket path %s has %d bytes, the limit is %d",
			o.Base, p, len(p), maxSocketPath)
	}
	return s, nil
}

// settleAddrs checks the node addresses or makes the default ones.
func settleAddrs(addrs []string, n int) ([]string, error) {
	if len(addrs) == 0 {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("127.0.0.%d", i+1)
		}
		return out, nil
	}
	if len(addrs) != n {
		return nil, fmt.Errorf("ClusterOptions.Addrs has %d addresses for %d nodes", len(addrs), n)
	}
	seen := map[netip.Addr]bool{}
	out := make([]string, n)
	for i, a := range addrs {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			return nil, fmt.Errorf("ClusterOptions.Addrs[%d]: %q is not an IP address", i, a)
		}
		if seen[ip] {
			return nil, fmt.Errorf("ClusterOptions.Addrs[%d]: %s given twice", i, ip)
		}
		seen[ip] = true
		out[i] = ip.String()
	}
	return out, nil
}

// needsServices says whether ctdbd must see its own /etc/services.
func (s settings) needsServices() bool { return s.port != DefaultPort }

// binds are the bind mounts (source, then target) made in node i's mount
// namespace before ctdbd starts; none means ctdbd needs no namespace.
// As installed, ctdbd uses fixed paths, so the node's directories are
// mounted over them.
func (s settings) binds(i int) [][2]string {
	l := layout{s.base}
	var out [][2]string
	if !s.testMode {
		out = append(out, [2]string{l.node(i), etcDir}, [2]string{l.run(i), runDir},
			[2]string{l.varDir(i), varDir})
	}
	if s.needsServices() {
		out = append(out, [2]string{l.services(), "/etc/services"})
	}
	return out
}
