// Package cluster holds the recovery daemon's decisions as plain functions
// over plain data: who may lead, when to call an election, whether the
// cluster needs a recovery, what a recovery installs, and whom to ban.
//
// Nothing here starts goroutines, opens sockets, sleeps or reads the clock:
// the caller (ctdb-recoverd) fetches node views through ctdbd, passes the
// current time in, and carries out the returned decisions. That keeps every
// rule testable with tables and transcripts.
//
// The rules follow Samba CTDB's ctdb_recoverd.c and ctdb_recovery_helper.c
// (see /work/shared/reference/ctdb-research.md sections 1.2-1.5). Each
// function's comment names the CTDB rule it follows and says where we
// deliberately differ.
//
// Typical use by the driver, once per RecoverInterval:
//
//	state.OnNodemap(localNodemap)
//	act, why := state.Tick(now)          // election / broadcast / step down
//	if state.HoldsLock() {
//		active := cluster.ActiveNodes(self, views)
//		for _, u := range cluster.FlagCorrections(views) { push u }
//		if d := cluster.NeedRecovery(self, views, active); d.Need {
//			culprits.Add(d.Culprit, 1, now, grace)
//			ban culprits.ToBan(len(nodes)) ...
//			plan, err := cluster.PlanRecovery(views, active, lastGeneration)
//			...
//		}
//	}
//
// Without a cluster lock the driver answers ActionStartElection and
// ActionTryLock by running ElectNoLock over CandidatesFromViews and calling
// OnLockTaken if this node wins, OnLockFailed otherwise.
package cluster
