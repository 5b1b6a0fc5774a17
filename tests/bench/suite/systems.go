package suite

import (
	"io"

	"github.com/ctdb-go/ctdb/tests/bench/ctdbref"
	"github.com/ctdb-go/ctdb/tests/bench/ours"
	"github.com/ctdb-go/ctdb/tests/bench/system"
)

// allSystems are the implementations measured, ours first (the ratio
// column is ours/the second). The returned func releases what they hold
// (ours: the binaries it built).
func allSystems(cfg Config) ([]system.System, func()) {
	list := []system.System{ours.NewWith(ours.Options{BinDir: cfg.BinDir}), ctdbref.New()}
	return list, func() {
		for _, s := range list {
			if c, ok := s.(io.Closer); ok {
				c.Close()
			}
		}
	}
}
