package tunables

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// listvarsOutput is `ctdb listvars` from a real CTDB 4.x node
// (shared/reference/ctdb-tool-output.md): names, order and defaults must match.
const listvarsOutput = `SeqnumInterval             = 1000
ControlTimeout             = 60
TraverseTimeout            = 20
KeepaliveInterval          = 5
KeepaliveLimit             = 5
RecoverTimeout             = 30
RecoverInterval            = 1
ElectionTimeout            = 3
TakeoverTimeout            = 9
MonitorInterval            = 15
TickleUpdateInterval       = 20
EventScriptTimeout         = 30
MonitorTimeoutCount        = 20
RecoveryGracePeriod        = 120
RecoveryBanPeriod          = 300
DatabaseHashSize           = 100001
DatabaseMaxDead            = 5
RerecoveryTimeout          = 10
EnableBans                 = 1
NoIPFailback               = 0
VerboseMemoryNames         = 0
RecdPingTimeout            = 60
RecdFailCount              = 10
LogLatencyMs               = 0
RecLockLatencyMs           = 1000
RecoveryDropAllIPs         = 120
VacuumInterval             = 10
VacuumMaxRunTime           = 120
RepackLimit                = 10000
VacuumFastPathCount        = 60
MaxQueueDropMsg            = 1000000
AllowUnhealthyDBRead       = 0
StatHistoryInterval        = 1
DeferredAttachTO           = 120
AllowClientDBAttach        = 1
FetchCollapse              = 1
HopcountMakeSticky         = 50
StickyDuration             = 600
StickyPindown              = 200
NoIPTakeover               = 0
DBRecordCountWarn          = 100000
DBRecordSizeWarn           = 10000000
DBSizeWarn                 = 100000000
PullDBPreallocation        = 10485760
LockProcessesPerDB         = 200
RecBufferSizeLimit         = 1000000
QueueBufferSize            = 1024
IPAllocAlgorithm           = 2
AllowMixedVersions         = 0
`

func TestDefaults_MatchCTDBListvars(t *testing.T) {
	var b strings.Builder
	for _, v := range Defaults().List() {
		fmt.Fprintf(&b, "%-26s = %d\n", v.Name, v.Value)
	}
	if got := b.String(); got != listvarsOutput {
		t.Errorf("listvars mismatch:\n got:\n%s\nwant:\n%s", got, listvarsOutput)
	}
	if len(Defs) != 49 {
		t.Errorf("len(Defs) = %d, want 49", len(Defs))
	}
}

func TestSet_GetIsCaseInsensitive(t *testing.T) {
	s := Defaults()
	for _, name := range []string{"MonitorInterval", "monitorinterval", "MONITORINTERVAL", "mOnItOrInTeRvAl"} {
		v, ok := s.Get(name)
		if !ok || v != 15 {
			t.Errorf("Get(%q) = %d, %v; want 15, true", name, v, ok)
		}
	}
	if _, ok := s.Get("NoSuchTunable"); ok {
		t.Error("Get(NoSuchTunable) reported ok")
	}
	if _, ok := s.Get(""); ok {
		t.Error("Get(\"\") reported ok")
	}
}

func TestSet_Set(t *testing.T) {
	tests := []struct {
		name      string
		tunable   string
		value     uint32
		wantErr   string
		obsolete  bool
		readback  bool // Get returns value afterwards
		canonical string
	}{
		{name: "live exact", tunable: "KeepaliveInterval", value: 2, readback: true, canonical: "KeepaliveInterval"},
		{name: "live lower", tunable: "keepaliveinterval", value: 7, readback: true, canonical: "KeepaliveInterval"},
		{name: "max uint32", tunable: "DBSizeWarn", value: 4294967295, readback: true, canonical: "DBSizeWarn"},
		{name: "zero", tunable: "EnableBans", value: 0, readback: true, canonical: "EnableBans"},
		{name: "unknown", tunable: "Bogus", value: 1, wantErr: "unknown tunable Bogus"},
		{name: "empty", tunable: "", value: 1, wantErr: "unknown tunable "},
		{name: "obsolete", tunable: "DisableIPFailover", value: 1, obsolete: true, readback: true, canonical: "DisableIPFailover"},
		{name: "obsolete lower", tunable: "lcp2publicips", value: 0, obsolete: true, readback: true, canonical: "LCP2PublicIPs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Defaults()
			err := s.Set(tt.tunable, tt.value)
			switch {
			case tt.obsolete:
				if !errors.Is(err, ErrObsolete) {
					t.Fatalf("Set error = %v, want ErrObsolete", err)
				}
				if !strings.Contains(err.Error(), tt.canonical) {
					t.Errorf("error %q does not name %s", err, tt.canonical)
				}
			case tt.wantErr != "":
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Set error = %v, want %q", err, tt.wantErr)
				}
				if !errors.Is(err, ErrUnknownTunable) {
					t.Errorf("error does not wrap ErrUnknownTunable")
				}
			case err != nil:
				t.Fatalf("Set: %v", err)
			}
			if tt.readback {
				if v, ok := s.Get(tt.tunable); !ok || v != tt.value {
					t.Errorf("Get after Set = %d, %v; want %d", v, ok, tt.value)
				}
				if c, ok := s.Canonical(tt.tunable); !ok || c != tt.canonical {
					t.Errorf("Canonical = %q, %v; want %q", c, ok, tt.canonical)
				}
			}
		})
	}
}

func TestSet_ObsoleteNotListed(t *testing.T) {
	s := Defaults()
	for _, d := range obsoleteDefs {
		if err := s.Set(d.Name, 42); !errors.Is(err, ErrObsolete) {
			t.Errorf("Set(%s) = %v, want ErrObsolete", d.Name, err)
		}
		if v, ok := s.Get(d.Name); !ok || v != 42 {
			t.Errorf("Get(%s) = %d, %v; want 42, true", d.Name, v, ok)
		}
	}
	list := s.List()
	if len(list) != len(Defs) {
		t.Fatalf("List has %d entries, want %d", len(list), len(Defs))
	}
	for _, v := range list {
		for _, d := range obsoleteDefs {
			if v.Name == d.Name {
				t.Errorf("obsolete %s listed", d.Name)
			}
		}
	}
}

func TestSet_ListReflectsSet(t *testing.T) {
	s := Defaults()
	if err := s.Set("monitorinterval", 3); err != nil {
		t.Fatal(err)
	}
	for _, v := range s.List() {
		if v.Name == "MonitorInterval" && v.Value != 3 {
			t.Errorf("List MonitorInterval = %d, want 3", v.Value)
		}
	}
}

func TestSet_CloneIsIndependent(t *testing.T) {
	a := Defaults()
	if err := a.Set("RecoverTimeout", 99); err != nil {
		t.Fatal(err)
	}
	b := a.Clone()
	if v, _ := b.Get("RecoverTimeout"); v != 99 {
		t.Errorf("clone RecoverTimeout = %d, want 99", v)
	}
	if err := b.Set("RecoverTimeout", 1); err != nil {
		t.Fatal(err)
	}
	if v, _ := a.Get("RecoverTimeout"); v != 99 {
		t.Errorf("original changed by clone: %d", v)
	}
	if err := a.Set("RecoverTimeout", 5); err != nil {
		t.Fatal(err)
	}
	if v, _ := b.Get("RecoverTimeout"); v != 1 {
		t.Errorf("clone changed by original: %d", v)
	}
}

func TestSet_DefaultsAreIndependent(t *testing.T) {
	a, b := Defaults(), Defaults()
	if err := a.Set("EnableBans", 0); err != nil {
		t.Fatal(err)
	}
	if v, _ := b.Get("EnableBans"); v != 1 {
		t.Errorf("second Defaults() sees first's change: EnableBans = %d", v)
	}
}

func TestCanonical_Unknown(t *testing.T) {
	if c, ok := Defaults().Canonical("nope"); ok || c != "" {
		t.Errorf("Canonical(nope) = %q, %v", c, ok)
	}
}

// TestSet_Concurrent is meaningful under -race.
func TestSet_Concurrent(t *testing.T) {
	s := Defaults()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				_ = s.Set("MonitorInterval", uint32(i*1000+j))
				s.Get("monitorinterval")
				s.List()
				s.Clone()
			}
		}()
	}
	wg.Wait()
	if v, ok := s.Get("MonitorInterval"); !ok || v%1000 != 199 {
		t.Errorf("final MonitorInterval = %d, want some writer's last value", v)
	}
}

func TestChangesCountsSets(t *testing.T) {
	s := Defaults()
	if s.Changes() != 0 {
		t.Fatalf("fresh set: %d changes", s.Changes())
	}
	if err := s.Set("RecoverInterval", 2); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("NoSuchTunable", 2); err == nil {
		t.Fatal("unknown tunable accepted")
	}
	if got := s.Changes(); got != 1 {
		t.Fatalf("after one Set and one refused: %d changes, want 1", got)
	}
}
