package manpages

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/ctdb-go/ctdb/internal/tunables"
)

func pageByName(t *testing.T, name string) Page {
	t.Helper()
	pages, err := Pages()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		if p.FileName() == name {
			return p
		}
	}
	t.Fatalf("no page %s", name)
	return Page{}
}

func TestPagesHaveTitleAndNameSection(t *testing.T) {
	pages, err := Pages()
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) < 5 {
		t.Fatalf("only %d pages", len(pages))
	}
	for _, p := range pages {
		roff := string(p.Roff())
		if !strings.HasPrefix(roff, ".nh\n.TH "+p.Name+" "+p.Section+" ") {
			t.Errorf("%s: roff starts %q, want a .TH with name and section", p.FileName(), roff[:min(len(roff), 60)])
		}
		if !strings.Contains(roff, ".SH NAME\n"+p.Name+" \\-") {
			t.Errorf("%s: no NAME section of the form \"%s - ...\"", p.FileName(), p.Name)
		}
	}
}

func TestCtdbPageHasEveryCommandInOrder(t *testing.T) {
	md := string(pageByName(t, "ctdb.1").Markdown)
	if strings.Contains(md, commandsMarker) {
		t.Fatal("the commands marker was not replaced")
	}
	last := -1
	for _, c := range Commands() {
		i := strings.Index(md, "\n### "+c)
		if i < 0 || i < last {
			t.Errorf("command %s missing or out of order in ctdb.1", c)
		}
		last = i
	}
}

func TestTunablesPageNamesEveryTunable(t *testing.T) {
	md := string(pageByName(t, "ctdb-tunables.7").Markdown)
	for _, v := range tunables.Defaults().List() {
		if !strings.Contains(md, v.Name) {
			t.Errorf("ctdb-tunables(7) does not mention %s", v.Name)
		}
	}
}

// words reduces text to its words, so that man's layout (justification,
// bullets, hyphens) and ours compare equal when the text is the same.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// manText renders roff with man(1) as plain text, on one very long line per
// paragraph, so that no word is hyphenated.
func manText(t *testing.T, roff []byte) string {
	t.Helper()
	if _, err := exec.LookPath("man"); err != nil {
		t.Skip("man not installed")
	}
	f := filepath.Join(t.TempDir(), "page.1")
	if err := os.WriteFile(f, roff, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("man", "-l", f)
	cmd.Env = append(os.Environ(), "MANWIDTH=2000", "MANPAGER=cat", "PAGER=cat", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "MAN_KEEP_FORMATTING=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("man -l: %v\n%s", err, stderr.String())
	}
	return string(out)
}

// The man page's section for each command, as man shows it, has the same
// words as `ctdb help COMMAND` prints.
func TestCommandHelpMatchesManPage(t *testing.T) {
	shown := manText(t, pageByName(t, "ctdb.1").Roff())
	// Subsections (.SS) are indented by 3 spaces, their text by more; a
	// section heading is at the margin.
	sections := map[string]string{}
	var cur string
	var body strings.Builder
	flush := func() {
		if cur != "" {
			sections[cur] = body.String()
		}
		body.Reset()
	}
	for _, l := range strings.Split(shown, "\n") {
		switch {
		case strings.HasPrefix(l, "   ") && !strings.HasPrefix(l, "    "):
			flush()
			cur = strings.Fields(l)[0]
			body.WriteString(l + "\n")
		case l != "" && l[0] != ' ':
			flush()
			cur = ""
		default:
			body.WriteString(l + "\n")
		}
	}
	flush()
	for _, c := range Commands() {
		text, _ := CommandHelp(c)
		got, want := words(sections[c]), words(text)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("ctdb help %s and the man page differ:\nman:  %q\nhelp: %q", c, got, want)
		}
	}
}

// Every page renders without groff warnings.
func TestPagesRenderWithoutWarnings(t *testing.T) {
	if _, err := exec.LookPath("man"); err != nil {
		t.Skip("man not installed")
	}
	pages, err := Pages()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, p := range pages {
		f := filepath.Join(dir, p.FileName())
		if err := os.WriteFile(f, p.Roff(), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("man", "--warnings", "-l", f)
		cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if out, err := cmd.Output(); err != nil || stderr.Len() > 0 || len(out) < 200 {
			t.Errorf("man -l %s: err=%v, %d bytes, warnings:\n%s", p.FileName(), err, len(out), stderr.String())
		}
	}
}
