// Package tunables holds CTDB's run-time tunables: their names, defaults and
// a concurrency-safe value set that ctdbd serves through getvar, setvar and
// listvars.
//
// Names and defaults follow CTDB 4.x so that existing ctdb.tunables files and
// admin habits carry over. Lookups are case-insensitive, as in CTDB.
package tunables

// Def is one tunable: its canonical CTDB name and its default value.
type Def struct {
	Name    string
	Default uint32
}

// Defs lists the live tunables in the order `ctdb listvars` prints them.
// Callers must not modify it.
var Defs = []Def{
	{"SeqnumInterval", 1000},
	{"ControlTimeout", 60},
	{"TraverseTimeout", 20},
	{"KeepaliveInterval", 5},
	{"KeepaliveLimit", 5},
	{"RecoverTimeout", 30},
	{"RecoverInterval", 1},
	{"ElectionTimeout", 3},
	{"TakeoverTimeout", 9},
	{"MonitorInterval", 15},
	{"TickleUpdateInterval", 20},
	{"EventScriptTimeout", 30},
	{"MonitorTimeoutCount", 20},
	{"RecoveryGracePeriod", 120},
	{"RecoveryBanPeriod", 300},
	{"DatabaseHashSize", 100001},
	{"DatabaseMaxDead", 5},
	{"RerecoveryTimeout", 10},
	{"EnableBans", 1},
	{"NoIPFailback", 0},
	{"VerboseMemoryNames", 0},
	{"RecdPingTimeout", 60},
	{"RecdFailCount", 10},
	{"LogLatencyMs", 0},
	{"RecLockLatencyMs", 1000},
	{"RecoveryDropAllIPs", 120},
	{"VacuumInterval", 10},
	{"VacuumMaxRunTime", 120},
	{"RepackLimit", 10000},
	{"VacuumFastPathCount", 60},
	{"MaxQueueDropMsg", 1000000},
	{"AllowUnhealthyDBRead", 0},
	{"StatHistoryInterval", 1},
	{"DeferredAttachTO", 120},
	{"AllowClientDBAttach", 1},
	{"FetchCollapse", 1},
	{"HopcountMakeSticky", 50},
	{"StickyDuration", 600},
	{"StickyPindown", 200},
	{"NoIPTakeover", 0},
	{"DBRecordCountWarn", 100000},
	{"DBRecordSizeWarn", 10000000},
	{"DBSizeWarn", 100000000},
	{"PullDBPreallocation", 10485760},
	{"LockProcessesPerDB", 200},
	{"RecBufferSizeLimit", 1000000},
	{"QueueBufferSize", 1024},
	{"IPAllocAlgorithm", 2},
	{"AllowMixedVersions", 0},
}

// obsoleteDefs are tunables CTDB no longer uses but still accepts, so old
// ctdb.tunables files keep loading. They can be set and read back but are
// not listed and have no effect.
var obsoleteDefs = []Def{
	{"EventScriptUnhealthyOnTimeout", 0},
	{"ReclockPingPeriod", 60},
	{"VerifyRecoveryLock", 1},
	{"DisableIPFailover", 0},
	{"NoIPHostOnAllDisabled", 1},
	{"DeterministicIPs", 0},
	{"LCP2PublicIPs", 1},
}

// allDefs is Defs followed by obsoleteDefs; an index into it is a slot in
// Set.values. index maps a lower-cased name to that slot.
var (
	allDefs = append(append([]Def(nil), Defs...), obsoleteDefs...)
	index   = buildIndex(allDefs)
)

func buildIndex(defs []Def) map[string]int {
	m := make(map[string]int, len(defs))
	for i, d := range defs {
		m[lower(d.Name)] = i
	}
	return m
}

// lookup returns the slot of a tunable, ignoring case.
func lookup(name string) (int, bool) {
	i, ok := index[lower(name)]
	return i, ok
}

// isObsolete reports whether slot i holds an obsolete tunable.
func isObsolete(i int) bool { return i >= len(Defs) }
