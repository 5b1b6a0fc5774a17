// Package helptext is what `ctdb help COMMAND` prints: each command's
// section of ctdb(1) as plain text, rendered from internal/manpages'
// Markdown ahead of time and embedded.
//
// The ctdb tool starts for every command an operator or an eventscript
// runs, so it links only this text, not the Markdown renderer (blackfriday,
// go-md2man), whose package initialisation and pages cost every start
// about 3 ms. After changing internal/manpages/commands, run
//
//	go generate ./internal/manpages/helptext
//
// A test fails while a file here differs from a fresh rendering.
package helptext

//go:generate go run ../../../tools/mkman -help text

import (
	"embed"
	"strings"
)

//go:embed text/*.txt
var texts embed.FS

// Command returns the help text of one ctdb command, false when the
// command has no section.
func Command(name string) (string, bool) {
	if name == "" || strings.ContainsAny(name, "/.") {
		return "", false
	}
	b, err := texts.ReadFile("text/" + name + ".txt")
	return string(b), err == nil
}

// Commands lists the commands that have a text, in name order.
func Commands() []string {
	entries, _ := texts.ReadDir("text")
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".txt"))
	}
	return out
}
