package clusterlock

import "fmt"

// Result is a helper's answer: the single byte it writes to stdout.
type Result byte

// The answers of the cluster mutex helper protocol.
const (
	ResultLocked    Result = '0' // took the lock and holds it
	ResultContended Result = '1' // someone else holds the lock
	ResultTimeout   Result = '2' // took too long (the helper's or the caller's deadline)
	ResultError     Result = '3' // unexpected error; the helper explains on stderr
)

func (r Result) String() string {
	switch r {
	case ResultLocked:
		return "locked"
	case ResultContended:
		return "contention"
	case ResultTimeout:
		return "timeout"
	case ResultError:
		return "error"
	}
	return fmt.Sprintf("unknown(%q)", byte(r))
}

// parseResult maps a helper's answer byte to a Result.
func parseResult(b byte) (Result, error) {
	switch r := Result(b); r {
	case ResultLocked, ResultContended, ResultTimeout, ResultError:
		return r, nil
	}
	return ResultError, fmt.Errorf("cluster lock helper answered %q, want one of '0'..'3'", b)
}
