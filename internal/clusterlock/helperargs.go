package clusterlock

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// helperUsage is printed with argument errors.
const helperUsage = "usage: " + HelperName + " FILE [RECHECK_INTERVAL [PING_TIMEOUT [RECHECK_TIMEOUT]]]"

// helperConfig is the fcntl helper's command line. A zero duration
// disables that check.
type helperConfig struct {
	File            string
	RecheckInterval time.Duration // how often the lock file is re-checked
	PingTimeout     time.Duration // longest gap between two pings from the parent
	RecheckTimeout  time.Duration // how long one re-check may take
}

// parseHelperArgs parses FILE [RECHECK_INTERVAL [PING_TIMEOUT
// [RECHECK_TIMEOUT]]]. Durations are decimal seconds (CTDB uses whole
// seconds; fractions are accepted so tests can run fast).
func parseHelperArgs(args []string) (helperConfig, error) {
	cfg := helperConfig{
		RecheckInterval: DefaultRecheckInterval,
		PingTimeout:     DefaultPingTimeout,
		RecheckTimeout:  DefaultRecheckTimeout,
	}
	if len(args) < 1 || len(args) > 4 {
		return cfg, errors.New(helperUsage)
	}
	if args[0] == "" {
		return cfg, fmt.Errorf("empty FILE; %s", helperUsage)
	}
	cfg.File = args[0]
	names := []string{"RECHECK_INTERVAL", "PING_TIMEOUT", "RECHECK_TIMEOUT"}
	fields := []*time.Duration{&cfg.RecheckInterval, &cfg.PingTimeout, &cfg.RecheckTimeout}
	for i, a := range args[1:] {
		d, err := parseSeconds(a)
		if err != nil {
			return cfg, fmt.Errorf("%s %q: %v; %s", names[i], a, err, helperUsage)
		}
		*fields[i] = d
	}
	return cfg, nil
}

// parseSeconds parses a non-negative decimal number of seconds.
func parseSeconds(s string) (time.Duration, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errors.New("not a number of seconds")
	}
	if f < 0 || f > 86400 {
		return 0, errors.New("want seconds between 0 and 86400")
	}
	return time.Duration(f * float64(time.Second)), nil
}
