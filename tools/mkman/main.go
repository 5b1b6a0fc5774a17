// Command mkman writes the manual pages of internal/manpages as roff files,
// one per page (ctdb.1, ctdb.conf.5, ...), into a directory; with -help DIR
// it writes instead each ctdb command's section as the plain text of
// `ctdb help COMMAND`, DIR/COMMAND.txt (go generate in
// internal/manpages/helptext).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ctdb-go/ctdb/internal/manpages"
)

func main() {
	out := flag.String("out", "man", "directory to write the roff pages into")
	help := flag.String("help", "", "write the commands' help texts into this directory instead")
	flag.Parse()
	var err error
	if *help != "" {
		err = writeHelp(*help)
	} else {
		err = write(*out)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mkman: %v\n", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	pages, err := manpages.Pages()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range pages {
		if err := os.WriteFile(filepath.Join(dir, p.FileName()), p.Roff(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeHelp replaces the *.txt files of dir with one per command.
func writeHelp(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	for _, c := range manpages.Commands() {
		text, _ := manpages.CommandHelp(c)
		if err := os.WriteFile(filepath.Join(dir, c+".txt"), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}
