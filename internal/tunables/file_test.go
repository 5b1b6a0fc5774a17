package tunables

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ctdb.tunables")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadFile_Good(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    map[string]uint32
	}{
		{"empty", "", map[string]uint32{"MonitorInterval": 15}},
		{"comments and blanks", "# comment\n\n   \n  # indented comment\n", map[string]uint32{"MonitorInterval": 15}},
		{"simple", "MonitorInterval=5\n", map[string]uint32{"MonitorInterval": 5}},
		{"spaces around =", "MonitorInterval = 5\nKeepaliveLimit   =   9   \n", map[string]uint32{"MonitorInterval": 5, "KeepaliveLimit": 9}},
		{"case-insensitive", "monitorinterval=6\nENABLEBANS=0\n", map[string]uint32{"MonitorInterval": 6, "EnableBans": 0}},
		{"no trailing newline", "RecoverTimeout=3", map[string]uint32{"RecoverTimeout": 3}},
		{"CRLF", "RecoverTimeout=4\r\nElectionTimeout=2\r\n", map[string]uint32{"RecoverTimeout": 4, "ElectionTimeout": 2}},
		{"later wins", "RecoverTimeout=4\nRecoverTimeout=8\n", map[string]uint32{"RecoverTimeout": 8}},
		{"max", "DBSizeWarn=4294967295\n", map[string]uint32{"DBSizeWarn": 4294967295}},
		{"leading zeros", "MonitorInterval=007\n", map[string]uint32{"MonitorInterval": 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Defaults()
			if err := LoadFile(writeFile(t, tt.content), s); err != nil {
				t.Fatalf("LoadFile: %v", err)
			}
			for name, want := range tt.want {
				if got, _ := s.Get(name); got != want {
					t.Errorf("%s = %d, want %d", name, got, want)
				}
			}
		})
	}
}

func TestLoadFile_Bad(t *testing.T) {
	tests := []struct {
		name    string
		content string
		line    string
		problem string
	}{
		{"unknown", "MonitorInterval=5\nFoo=1\n", ":2:", `unknown tunable "Foo"`},
		{"not a number", "\n\nMonitorInterval=x\n", ":3:", `invalid value "x" for MonitorInterval: must be an unsigned integer`},
		{"canonical name in message", "monitorinterval=x\n", ":1:", `invalid value "x" for MonitorInterval`},
		{"negative", "MonitorInterval=-1\n", ":1:", `invalid value "-1" for MonitorInterval: must be an unsigned integer`},
		{"too big", "MonitorInterval=4294967296\n", ":1:", `invalid value "4294967296"`},
		{"empty value", "MonitorInterval=\n", ":1:", `invalid value "" for MonitorInterval`},
		{"float", "MonitorInterval=1.5\n", ":1:", `invalid value "1.5"`},
		{"trailing comment", "MonitorInterval=5 # five\n", ":1:", `invalid value "5 # five"`},
		{"no equals", "# ok\nMonitorInterval 5\n", ":2:", "expected Name=value"},
		{"no name", "=5\n", ":1:", "expected Name=value"},
		{"two equals", "MonitorInterval=5=6\n", ":1:", `invalid value "5=6"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.content)
			s := Defaults()
			err := LoadFile(path, s)
			if err == nil {
				t.Fatal("LoadFile succeeded, want error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, path+tt.line) {
				t.Errorf("error %q does not start with %q", msg, path+tt.line)
			}
			if !strings.Contains(msg, tt.problem) {
				t.Errorf("error %q does not contain %q", msg, tt.problem)
			}
			if errors.Is(err, ErrObsolete) {
				t.Errorf("hard error wraps ErrObsolete")
			}
			// All or nothing: earlier good lines are not applied.
			if v, _ := s.Get("MonitorInterval"); v != 15 {
				t.Errorf("MonitorInterval = %d after failed load, want default 15", v)
			}
		})
	}
}

func TestLoadFile_Missing(t *testing.T) {
	s := Defaults()
	if err := LoadFile(filepath.Join(t.TempDir(), "nope"), s); err != nil {
		t.Fatalf("missing file: %v", err)
	}
	if v, _ := s.Get("MonitorInterval"); v != 15 {
		t.Errorf("MonitorInterval = %d", v)
	}
}

func TestLoadFile_Unreadable(t *testing.T) {
	// A directory in place of the file is a real error, not "missing".
	dir := t.TempDir()
	if err := LoadFile(dir, Defaults()); err == nil {
		t.Fatal("LoadFile(directory) succeeded")
	}
}

func TestLoadFile_Obsolete(t *testing.T) {
	path := writeFile(t, "MonitorInterval=4\nDisableIPFailover=1\n# x\nverifyrecoverylock=0\n")
	s := Defaults()
	err := LoadFile(path, s)
	if !errors.Is(err, ErrObsolete) {
		t.Fatalf("err = %v, want ErrObsolete", err)
	}
	msg := err.Error()
	for _, want := range []string{path + ":2:", "DisableIPFailover", path + ":4:", "VerifyRecoveryLock"} {
		if !strings.Contains(msg, want) {
			t.Errorf("warning %q lacks %q", msg, want)
		}
	}
	if v, _ := s.Get("MonitorInterval"); v != 4 {
		t.Errorf("live tunable not applied alongside obsolete ones: %d", v)
	}
	if v, _ := s.Get("DisableIPFailover"); v != 1 {
		t.Errorf("obsolete value not stored: %d", v)
	}
}
