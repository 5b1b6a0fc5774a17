// Package gomaxprocs sets the number of threads that run Go code in the
// node's long-lived processes (ctdbd, its IP guard, ctdb-recoverd and the
// lock helpers).
//
// These processes mostly wait. With one P per CPU, every wake-up (a timer,
// a frame, a control) can start another thread spinning for work that is
// not there, and the runtime's monitor thread stays awake longer: on a
// 2-CPU machine an idle leader's processes spent about a third more CPU
// with two Ps than with one. One P is what CTDB's single-threaded daemons
// amount to, and none of these processes has work that a second CPU would
// speed up: blocking system calls still run beside Go code, on their own
// threads.
package gomaxprocs

import (
	"os"
	"runtime"
)

// Daemon runs Go code on one thread at a time, unless GOMAXPROCS is set
// in the environment (the operator's value is kept).
func Daemon() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}
