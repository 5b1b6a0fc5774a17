package protocol

// Cluster lock and quorum operations (range 230-249, see Op).
const (
	// OpLockLost: the local recovery daemon's cluster lock was lost (its
	// helper let go or died) without a release: ctdbd stops counting the
	// node as leader and releases its public addresses at once, instead
	// of waiting out the hold bound. A lock that can be lost on the lock
	// service's clock (ctdb_etcd_lock's give-up) may be granted to another
	// node soon after.
	OpLockLost Op = 230
)

func init() {
	Ops[OpLockLost] = OpInfo{"LOCK_LOST", newOf[Empty](), newOf[Empty]()}
}
