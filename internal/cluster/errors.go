package cluster

import "errors"

// Conditions the driver may branch on. They are returned wrapped with the
// node and values involved.
var (
	// ErrStaleBroadcast: a leader broadcast older than the leader this node
	// already follows (a delayed packet from an earlier term).
	ErrStaleBroadcast = errors.New("stale leader broadcast")

	// ErrLeaderConflict: another node claims leadership while this node
	// leads. With a cluster lock this must never happen (CTDB bug 15892 was
	// a delayed broadcast from a previous holder being believed); it is
	// logged as an error and ignored.
	ErrLeaderConflict = errors.New("conflicting leader claim")

	// ErrBadBroadcast: a broadcast that names a leader other than its sender.
	ErrBadBroadcast = errors.New("malformed leader broadcast")

	// ErrStaleToken: the cluster lock was taken with a fencing token not
	// above a leader epoch already seen: a newer holder exists (or the
	// lock service's revisions were reset). The node must not lead.
	ErrStaleToken = errors.New("stale fencing token")

	// ErrTokenTooLarge: a fencing token that does not fit the 31 bits a
	// fenced control carries; the term's epoch was counted instead.
	ErrTokenTooLarge = errors.New("fencing token too large for an epoch")

	// ErrNoActiveNodes: a recovery was planned with nobody to run it on.
	ErrNoActiveNodes = errors.New("no active nodes")

	// ErrGenerationExhausted: some node reports the largest generation, so
	// no larger one exists for the fencing token.
	ErrGenerationExhausted = errors.New("generation space exhausted")
)
