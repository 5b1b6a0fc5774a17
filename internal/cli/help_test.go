package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ctdb-go/ctdb/internal/manpages"
)

// Every command of the table has its section in ctdb(1). A new command
// needs internal/manpages/commands/NAME.md.
func TestEveryCommandHasAManSection(t *testing.T) {
	for _, c := range commands {
		if _, ok := manpages.CommandSource(c.name); !ok {
			t.Errorf("command %q has no man page section: add internal/manpages/commands/%s.md", c.name, c.name)
		}
	}
}

// ...and every section is about a command of the table.
func TestNoManSectionWithoutCommand(t *testing.T) {
	for _, name := range manpages.Commands() {
		if findCommand(name) == nil && name != "help" {
			t.Errorf("internal/manpages/commands/%s.md documents a command the tool does not have", name)
		}
	}
}

func TestHelpCommandPrintsManSection(t *testing.T) {
	var out, errb bytes.Buffer
	rc := Main([]string{"help", "nodestatus"}, &out, &errb, func(string) string { return "" })
	want, _ := manpages.CommandHelp("nodestatus")
	if rc != 0 || out.String() != want || errb.Len() != 0 {
		t.Fatalf("ctdb help nodestatus: rc=%d stdout=%q stderr=%q, want the man section %q", rc, out.String(), errb.String(), want)
	}
	if !strings.HasPrefix(want, "nodestatus [all|PNN-LIST]\n") || !strings.Contains(want, "exit code") {
		t.Errorf("section text = %q", want)
	}
	out.Reset()
	errb.Reset()
	if rc := Main([]string{"help", "nosuch"}, &out, &errb, func(string) string { return "" }); rc != 1 ||
		errb.String() != "Unknown command 'help'\n" {
		t.Errorf("ctdb help nosuch: rc=%d stderr=%q", rc, errb.String())
	}
}
