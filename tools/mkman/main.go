// Command mkman writes the manual pages of internal/manpages as roff files,
// one per page (ctdb.1, ctdb.conf.5, ...), into a directory.
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
	flag.Parse()
	if err := write(*out); err != nil {
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
