package helptext_test

import (
	"strings"
	"testing"

	"github.com/ctdb-go/ctdb/internal/manpages"
	"github.com/ctdb-go/ctdb/internal/manpages/helptext"
)

const regenerate = "run: go generate ./internal/manpages/helptext"

// The embedded texts are a fresh rendering of the Markdown sections, one
// for each command and none for a command that has no section any more.
func TestTextsAreCurrent(t *testing.T) {
	want := manpages.Commands()
	if got := helptext.Commands(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("help texts for %v, sections for %v; %s", got, want, regenerate)
	}
	for _, c := range want {
		fresh, _ := manpages.CommandHelp(c)
		got, ok := helptext.Command(c)
		if !ok || got != fresh {
			t.Errorf("help text of %s differs from its section rendered now; %s\nembedded: %q\nrendered: %q", c, regenerate, got, fresh)
		}
	}
}

func TestCommandRejectsPaths(t *testing.T) {
	for _, name := range []string{"", "../helptext", "status.txt", "text/status"} {
		if _, ok := helptext.Command(name); ok {
			t.Errorf("Command(%q) found a text", name)
		}
	}
	if _, ok := helptext.Command("status"); !ok {
		t.Error("Command(status) found no text")
	}
}
