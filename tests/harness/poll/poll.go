// Package poll waits for a condition: the one polling loop of the tests.
// It is a leaf package (standard library only), so the unit tests under
// internal/ use it without import cycles; tests/harness re-exports it.
package poll

import (
	"fmt"
	"time"
)

// Until calls cond every interval until it returns "" and then returns
// nil, or returns an error with cond's last answer once timeout has passed.
// cond runs at once, and once more at the deadline.
func Until(timeout, interval time.Duration, cond func() string) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		last := cond()
		if last == "" {
			return nil
		}
		if !time.Now().Before(deadline) {
			return fmt.Errorf("condition not met after %v: %s", timeout, last)
		}
		select {
		case <-tick.C:
		case <-time.After(time.Until(deadline)):
		}
	}
}

// True is Until for a condition without a reason: it reports whether cond
// held within timeout.
func True(timeout, interval time.Duration, cond func() bool) bool {
	return Until(timeout, interval, func() string {
		if cond() {
			return ""
		}
		return "false"
	}) == nil
}
