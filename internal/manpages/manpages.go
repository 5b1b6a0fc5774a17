package manpages

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/cpuguy83/go-md2man/v2/md2man"
)

//go:embed pages/*.md commands/*.md
var sources embed.FS

// commandsMarker is the line of ctdb.1.md replaced by the command sections.
const commandsMarker = "<!-- COMMANDS -->"

// Page is one manual page.
type Page struct {
	Name     string // e.g. "ctdb.conf"
	Section  string // e.g. "5"
	Markdown []byte // the complete source, commands inserted
}

// FileName is the page's roff file name, e.g. "ctdb.conf.5".
func (p Page) FileName() string { return p.Name + "." + p.Section }

// Roff renders the page as roff for man(1).
func (p Page) Roff() []byte { return md2man.Render(p.Markdown) }

// Pages returns every page, in file name order.
func Pages() ([]Page, error) {
	names, err := fs.Glob(sources, "pages/*.md")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var pages []Page
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".md")
		dot := strings.LastIndexByte(base, '.')
		if dot <= 0 {
			return nil, fmt.Errorf("manpages: %s: name must be NAME.SECTION.md", n)
		}
		src, err := sources.ReadFile(n)
		if err != nil {
			return nil, err
		}
		if bytes.Contains(src, []byte(commandsMarker)) {
			if src, err = insertCommands(src); err != nil {
				return nil, err
			}
		}
		pages = append(pages, Page{Name: base[:dot], Section: base[dot+1:], Markdown: src})
	}
	return pages, nil
}

// Commands lists the commands that have a section, in name order.
func Commands() []string {
	names, _ := fs.Glob(sources, "commands/*.md")
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, strings.TrimSuffix(path.Base(n), ".md"))
	}
	sort.Strings(out)
	return out
}

// CommandSource returns the Markdown section of one ctdb command.
func CommandSource(name string) ([]byte, bool) {
	if name == "" || strings.ContainsAny(name, "/.") {
		return nil, false
	}
	b, err := sources.ReadFile("commands/" + name + ".md")
	return b, err == nil
}

func insertCommands(src []byte) ([]byte, error) {
	var all bytes.Buffer
	for _, c := range Commands() {
		b, _ := CommandSource(c)
		if !bytes.HasPrefix(b, []byte("### ")) {
			return nil, fmt.Errorf("manpages: commands/%s.md must start with \"### %s\"", c, c)
		}
		all.Write(bytes.TrimRight(b, "\n"))
		all.WriteString("\n\n")
	}
	return bytes.Replace(src, []byte(commandsMarker), bytes.TrimRight(all.Bytes(), "\n"), 1), nil
}
