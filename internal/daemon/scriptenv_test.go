package daemon

import (
	"os"
	"path/filepath"
	"testing"
)

func TestScriptLogging(t *testing.T) {
	for _, c := range []struct{ running, configured, want string }{
		{"file:/var/log/log.ctdb", "file:/other", "file:/var/log/log.ctdb"},
		{"syslog", "syslog", "syslog"},
		{"stderr", "file:/var/log/log.ctdb", "file:"},
		{"", "syslog:udp", "syslog:udp"},
	} {
		if got := scriptLogging(c.running, c.configured); got != c.want {
			t.Errorf("scriptLogging(%q, %q) = %q, want %q", c.running, c.configured, got, c.want)
		}
	}
}

func TestCtdbTool(t *testing.T) {
	empty, bin := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "ctdb"), []byte("not executable"), 0o644); err != nil {
		t.Fatal(err)
	}
	tool := filepath.Join(bin, "ctdb")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := ctdbTool([]string{empty, bin}); got != tool {
		t.Errorf("ctdbTool = %q, want %q (the first executable one)", got, tool)
	}
	if got := ctdbTool([]string{empty}); got != "ctdb" {
		t.Errorf("ctdbTool without one = %q, want ctdb", got)
	}
}
