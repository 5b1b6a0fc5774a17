package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Defaults of CTDB's ctdb tool.
const (
	defaultTimelimit  = 10 * time.Second  // -t: per-control timeout
	defaultMaxRuntime = 120 * time.Second // -T / $CTDB_TIMEOUT: whole run
	defaultSeparator  = "|"               // -x
)

// options are the global options. As with CTDB (popt), they may appear
// anywhere on the command line; "--" ends them.
type options struct {
	node       int64 // -n: destination PNN, -1 = this node
	timelimit  time.Duration
	maxRuntime time.Duration // 0 = $CTDB_TIMEOUT or defaultMaxRuntime
	machine    bool          // -X / -Y
	sep        string        // -x
	verbose    bool          // -v: ip shows interfaces
	debug      string        // -d (accepted and ignored)
	help       bool          // -h / --help / -?
}

// optionError is popt's complaint, printed as CTDB prints it:
// "Invalid option all: invalid numeric value".
type optionError struct {
	opt, problem string
}

func (e *optionError) Error() string {
	return fmt.Sprintf("Invalid option %s: %s", e.opt, e.problem)
}

// optSpec describes one option: its short and long names and whether it
// takes a value.
type optSpec struct {
	short    byte
	long     string
	hasValue bool
	set      func(o *options, v string) error
}

var optSpecs = []optSpec{
	{'n', "node", true, func(o *options, v string) error {
		n, err := parseIntOpt(v)
		if err != nil || n < -1 {
			return &optionError{v, "invalid numeric value"}
		}
		o.node = n
		return nil
	}},
	{'t', "timelimit", true, func(o *options, v string) error {
		n, err := parseIntOpt(v)
		if err != nil || n <= 0 {
			return &optionError{v, "invalid numeric value"}
		}
		o.timelimit = time.Duration(n) * time.Second
		return nil
	}},
	{'T', "maxruntime", true, func(o *options, v string) error {
		n, err := parseIntOpt(v)
		if err != nil || n < 0 {
			return &optionError{v, "invalid numeric value"}
		}
		o.maxRuntime = time.Duration(n) * time.Second
		return nil
	}},
	{'d', "debug", true, func(o *options, v string) error { o.debug = v; return nil }},
	{'x', "separator", true, func(o *options, v string) error { o.sep = v; return nil }},
	{'X', "", false, func(o *options, _ string) error { o.machine = true; return nil }},
	{'Y', "", false, func(o *options, _ string) error { o.machine = true; return nil }},
	{'v', "verbose", false, func(o *options, _ string) error { o.verbose = true; return nil }},
	{'h', "help", false, func(o *options, _ string) error { o.help = true; return nil }},
	{'?', "usage", false, func(o *options, _ string) error { o.help = true; return nil }},
}

// parseIntOpt parses an integer as popt does (strtol with base 0:
// decimal, 0x hex, 0 octal), within int32.
func parseIntOpt(v string) (int64, error) {
	return strconv.ParseInt(v, 0, 32)
}

func findShort(c byte) *optSpec {
	for i := range optSpecs {
		if optSpecs[i].short == c {
			return &optSpecs[i]
		}
	}
	return nil
}

func findLong(name string) *optSpec {
	for i := range optSpecs {
		if optSpecs[i].long != "" && optSpecs[i].long == name {
			return &optSpecs[i]
		}
	}
	return nil
}

// parseOptions separates the global options from the positional
// arguments (the command and its arguments).
func parseOptions(args []string) (options, []string, error) {
	o := options{node: -1, timelimit: defaultTimelimit, sep: defaultSeparator}
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return o, append(pos, args[i+1:]...), nil
		case strings.HasPrefix(a, "--"):
			n, err := parseLong(&o, args, i)
			if err != nil {
				return o, nil, err
			}
			i += n
		case len(a) > 1 && a[0] == '-':
			n, err := parseShort(&o, args, i)
			if err != nil {
				return o, nil, err
			}
			i += n
		default:
			pos = append(pos, a)
		}
	}
	return o, pos, nil
}

// parseLong handles "--name", "--name=value" and "--name value"; it
// returns how many extra arguments it consumed.
func parseLong(o *options, args []string, i int) (int, error) {
	name, val, hasVal := strings.Cut(args[i][2:], "=")
	spec := findLong(name)
	if spec == nil {
		return 0, &optionError{"--" + name, "unknown option"}
	}
	if !spec.hasValue {
		if hasVal {
			return 0, &optionError{"--" + name, "option does not take an argument"}
		}
		return 0, spec.set(o, "")
	}
	if hasVal {
		return 0, spec.set(o, val)
	}
	if i+1 >= len(args) {
		return 0, &optionError{"--" + name, "missing argument"}
	}
	return 1, spec.set(o, args[i+1])
}

// parseShort handles clustered flags ("-Xv"), "-n1" and "-n 1"; it
// returns how many extra arguments it consumed.
func parseShort(o *options, args []string, i int) (int, error) {
	a := args[i]
	for j := 1; j < len(a); j++ {
		spec := findShort(a[j])
		if spec == nil {
			return 0, &optionError{"-" + a[j:j+1], "unknown option"}
		}
		if !spec.hasValue {
			if err := spec.set(o, ""); err != nil {
				return 0, err
			}
			continue
		}
		if j+1 < len(a) {
			return 0, spec.set(o, a[j+1:])
		}
		if i+1 >= len(args) {
			return 0, &optionError{"-" + a[j:j+1], "missing argument"}
		}
		return 1, spec.set(o, args[i+1])
	}
	return 0, nil
}
