package cli

import (
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// The canned state of the fake daemon is the state of the reference
// capture (CTDB 4.17.12, /work/shared/reference/ctdb-tool-output.md), so
// that outputs can be compared with it byte for byte.

const referenceVersion = "4.17.12-Debian"

var referenceTunables = []protocol.Tunable{
	{Name: "SeqnumInterval", Value: 1000},
	{Name: "ControlTimeout", Value: 60},
	{Name: "TraverseTimeout", Value: 20},
	{Name: "KeepaliveInterval", Value: 5},
	{Name: "KeepaliveLimit", Value: 5},
	{Name: "RecoverTimeout", Value: 30},
	{Name: "RecoverInterval", Value: 1},
	{Name: "ElectionTimeout", Value: 3},
	{Name: "TakeoverTimeout", Value: 9},
	{Name: "MonitorInterval", Value: 15},
	{Name: "TickleUpdateInterval", Value: 20},
	{Name: "EventScriptTimeout", Value: 30},
	{Name: "MonitorTimeoutCount", Value: 20},
	{Name: "RecoveryGracePeriod", Value: 120},
	{Name: "RecoveryBanPeriod", Value: 300},
	{Name: "DatabaseHashSize", Value: 100001},
	{Name: "DatabaseMaxDead", Value: 5},
	{Name: "RerecoveryTimeout", Value: 10},
	{Name: "EnableBans", Value: 1},
	{Name: "NoIPFailback", Value: 0},
	{Name: "VerboseMemoryNames", Value: 0},
	{Name: "RecdPingTimeout", Value: 60},
	{Name: "RecdFailCount", Value: 10},
	{Name: "LogLatencyMs", Value: 0},
	{Name: "RecLockLatencyMs", Value: 1000},
	{Name: "RecoveryDropAllIPs", Value: 120},
	{Name: "VacuumInterval", Value: 10},
	{Name: "VacuumMaxRunTime", Value: 120},
	{Name: "RepackLimit", Value: 10000},
	{Name: "VacuumFastPathCount", Value: 60},
	{Name: "MaxQueueDropMsg", Value: 1000000},
	{Name: "AllowUnhealthyDBRead", Value: 0},
	{Name: "StatHistoryInterval", Value: 1},
	{Name: "DeferredAttachTO", Value: 120},
	{Name: "AllowClientDBAttach", Value: 1},
	{Name: "FetchCollapse", Value: 1},
	{Name: "HopcountMakeSticky", Value: 50},
	{Name: "StickyDuration", Value: 600},
	{Name: "StickyPindown", Value: 200},
	{Name: "NoIPTakeover", Value: 0},
	{Name: "DBRecordCountWarn", Value: 100000},
	{Name: "DBRecordSizeWarn", Value: 10000000},
	{Name: "DBSizeWarn", Value: 100000000},
	{Name: "PullDBPreallocation", Value: 10485760},
	{Name: "LockProcessesPerDB", Value: 200},
	{Name: "RecBufferSizeLimit", Value: 1000000},
	{Name: "QueueBufferSize", Value: 1024},
	{Name: "IPAllocAlgorithm", Value: 2},
	{Name: "AllowMixedVersions", Value: 0},
}

var referenceScripts = []protocol.Script{
	{Name: "00.ctdb", Enabled: true},
	{Name: "01.reclock", Enabled: true},
	{Name: "05.system", Enabled: true},
	{Name: "06.nfs", Enabled: false},
	{Name: "10.interface", Enabled: true},
	{Name: "11.natgw", Enabled: false},
	{Name: "11.routing", Enabled: false},
	{Name: "13.per_ip_routing", Enabled: false},
	{Name: "20.multipathd", Enabled: false},
	{Name: "31.clamd", Enabled: false},
	{Name: "40.vsftpd", Enabled: false},
	{Name: "41.httpd", Enabled: false},
	{Name: "48.netbios", Enabled: false},
	{Name: "49.winbind", Enabled: false},
	{Name: "50.samba", Enabled: false},
	{Name: "60.nfs", Enabled: false},
	{Name: "70.iscsi", Enabled: false},
	{Name: "91.lvs", Enabled: false},
}

// referenceEvents: each event of the healthy capture, when it ran and how
// long each of its four scripts took (ms).
var referenceEvents = map[string]struct {
	at string
	ms [4]int
}{
	"monitor":       {"Sun Nov 22 04:16:36 2026", [4]int{2, 2, 10, 25}},
	"startup":       {"Sun Nov 22 04:16:27 2026", [4]int{13, 2, 3, 30}},
	"init":          {"Sun Nov 22 04:16:08 2026", [4]int{37, 11, 5, 20}},
	"setup":         {"Sun Nov 22 04:16:08 2026", [4]int{3, 2, 4, 2}},
	"takeip":        {"Sun Nov 22 04:16:32 2026", [4]int{2, 2, 3, 7}},
	"ipreallocated": {"Sun Nov 22 04:16:32 2026", [4]int{3, 4, 7, 2}},
	"recovered":     {"Sun Nov 22 04:16:13 2026", [4]int{2, 2, 3, 2}},
	"startrecovery": {"Sun Nov 22 04:16:13 2026", [4]int{2, 4, 4, 2}},
}

var referenceScriptNames = [4]string{"00.ctdb", "01.reclock", "05.system", "10.interface"}

// referenceEvent is the healthy result of one of the captured events.
func referenceEvent(event string) protocol.EventStatus {
	r := referenceEvents[event]
	start, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006", r.at, time.UTC)
	if err != nil {
		panic(err)
	}
	st := protocol.EventStatus{Event: event, Outcome: "OK"}
	for i, name := range referenceScriptNames {
		st.Scripts = append(st.Scripts, okScript(name, start, r.ms[i]))
	}
	return st
}
