package eventd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEnableDisableScript(t *testing.T) {
	h := newHarness(t, nil)
	h.script("10.a", `true`)
	h.script("20.b", `true`)
	path := filepath.Join(h.dir, "10.a")
	if err := os.Chmod(path, 0o750); err != nil {
		t.Fatal(err)
	}

	if err := h.r.DisableScript("10.a"); err != nil {
		t.Fatal(err)
	}
	if mode := fileMode(t, path); mode != 0o640 {
		t.Errorf("mode after disable = %o, want 640", mode)
	}
	// No polling: the runner invalidates its own cache.
	if got := summary(h.mustRun("monitor", 5*time.Second)); got != "10.a=DISABLED 20.b=OK" {
		t.Errorf("after disable: %q", got)
	}
	list, err := h.r.ListScripts()
	if err != nil || fmt.Sprint(list) != fmt.Sprint([]ScriptInfo{{"10.a", false}, {"20.b", true}}) {
		t.Errorf("ListScripts = %v, %v", list, err)
	}

	if err := h.r.EnableScript("10.a"); err != nil {
		t.Fatal(err)
	}
	if mode := fileMode(t, path); mode != 0o751 {
		t.Errorf("mode after enable = %o, want 751", mode)
	}
	if got := summary(h.mustRun("monitor", 5*time.Second)); got != "10.a=OK 20.b=OK" {
		t.Errorf("after enable: %q", got)
	}
	if !h.logged("script 10.a disabled") || !h.logged("script 10.a enabled") {
		t.Error("enable/disable not logged")
	}
}

func TestEnableDisableScript_Errors(t *testing.T) {
	h := newHarness(t, nil)
	outside := filepath.Join(h.tmp, "10.outside")
	writeAtomic(t, outside, "#!/bin/sh\n", 0o644)
	if err := os.Mkdir(filepath.Join(h.dir, "30.dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, want string }{
		{"", "invalid script name"},
		{"../tmp/10.outside", "invalid script name"},
		{"10.a/b", "invalid script name"},
		{"10.a~", "invalid script name"},
		{"10.missing", "no such script: 10.missing"},
		{"30.dir", "not a file or a link"},
	}
	for _, tc := range cases {
		for _, f := range []func(string) error{h.r.EnableScript, h.r.DisableScript} {
			err := f(tc.name)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q: err %v, want %q", tc.name, err, tc.want)
			}
			if errors.Is(err, ErrNoScript) != (tc.name == "10.missing") {
				t.Errorf("%q: errors.Is(err, ErrNoScript) wrong for %v", tc.name, err)
			}
		}
	}
	if mode := fileMode(t, outside); mode != 0o644 {
		t.Errorf("a file outside the directory was changed: %o", mode)
	}
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}
