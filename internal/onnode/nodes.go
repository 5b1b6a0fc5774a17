package onnode

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Node is one line of the nodes file. A deleted node ('#' line) keeps its
// PNN so that the others are not renumbered, as in ctdbd.
type Node struct {
	PNN     int
	Addr    string // address or host name; "" for a deleted node
	Deleted bool
}

// nodesFile picks the nodes file: -f FILE (relative names are also looked up
// in the configuration directory, as CTDB's onnode does), else
// $CTDB_NODES_FILE, else $CTDB_BASE/nodes, else /etc/ctdb/nodes.
func nodesFile(flag string, getenv func(string) string) string {
	base := getenv("CTDB_BASE")
	if base == "" {
		base = "/etc/ctdb"
	}
	if flag != "" {
		if !filepath.IsAbs(flag) {
			if _, err := os.Stat(flag); err != nil {
				if alt := filepath.Join(base, flag); fileExists(alt) {
					return alt
				}
			}
		}
		return flag
	}
	if f := getenv("CTDB_NODES_FILE"); f != "" {
		return f
	}
	return filepath.Join(base, "nodes")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// readNodes reads a nodes file: one address or host name a line (anything
// after it on the line is ignored); blank lines take no PNN; '#' lines are
// deleted nodes.
func readNodes(path string) ([]Node, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("nodes file: %w", err)
	}
	defer f.Close()
	var nodes []Node
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		n := Node{PNN: len(nodes)}
		if strings.HasPrefix(line, "#") {
			n.Deleted = true
		} else {
			n.Addr = strings.Fields(line)[0]
		}
		nodes = append(nodes, n)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("nodes file %s: %w", path, err)
	}
	return nodes, nil
}
