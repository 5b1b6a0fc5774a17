package diagnostics

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// compareOptions are CTDB's -c and -w.
type compareOptions struct {
	ignoreComments   bool
	ignoreWhitespace bool
}

var commentLine = regexp.MustCompile(`(?m)^[ \t]*#.*\n?`)

// normalize is what is compared.
func (o compareOptions) normalize(b []byte) []byte {
	if o.ignoreComments {
		b = commentLine.ReplaceAll(b, nil)
	}
	if o.ignoreWhitespace {
		b = bytes.Join(bytes.Fields(b), []byte(" "))
	}
	return b
}

// fileDiff says how one configuration file differs between the nodes.
type fileDiff struct {
	file    string
	summary string // e.g. "node 2 (127.0.0.3) differs from node 0 (127.0.0.1)"
	diffs   []string
}

// compareFiles compares every configuration file across the reachable
// nodes, against the first reachable node's copy. A file missing on some
// nodes only is a difference too. Secrets are masked before anything is
// shown; a difference only in a masked value is still reported.
func compareFiles(nodes []nodeResult, o compareOptions, tmp string) []fileDiff {
	var out []fileDiff
	var ref *nodeResult
	for i := range nodes {
		if nodes[i].err == nil {
			ref = &nodes[i]
			break
		}
	}
	if ref == nil {
		return nil
	}
	for _, f := range configFiles {
		key := "file:" + f
		a := ref.items[key]
		var d fileDiff
		d.file = f
		var who []string
		for _, n := range nodes {
			if n.err != nil || n.target == ref.target {
				continue
			}
			b := n.items[key]
			switch {
			case a.missing && b.missing:
				continue
			case a.missing != b.missing:
				where := label(*ref)
				if b.missing {
					where = label(n)
				}
				who = append(who, label(n))
				d.diffs = append(d.diffs, fmt.Sprintf("%s is missing on %s\n", f, where))
				continue
			case bytes.Equal(o.normalize(a.data), o.normalize(b.data)):
				continue
			}
			who = append(who, label(n))
			d.diffs = append(d.diffs, unifiedDiff(tmp, f, *ref, n, maskSecrets(a.data), maskSecrets(b.data), o))
		}
		if len(who) > 0 {
			d.summary = fmt.Sprintf("%s differs: %s against %s", f, strings.Join(who, ", "), label(*ref))
			out = append(out, d)
		}
	}
	return out
}

func label(n nodeResult) string {
	if n.target.PNN < 0 {
		return n.target.Addr
	}
	return fmt.Sprintf("node %d (%s)", n.target.PNN, n.target.Addr)
}

// unifiedDiff runs diff -u on the two (masked) copies, ignoring what o
// ignores.
func unifiedDiff(tmp, file string, a, b nodeResult, da, db []byte, o compareOptions) string {
	pa := filepath.Join(tmp, fmt.Sprintf("%s.%d-%s", file, a.target.PNN, a.target.Addr))
	pb := filepath.Join(tmp, fmt.Sprintf("%s.%d-%s", file, b.target.PNN, b.target.Addr))
	os.WriteFile(pa, da, 0o600)
	os.WriteFile(pb, db, 0o600)
	args := []string{"-u", "--label", label(a) + ": " + file, "--label", label(b) + ": " + file}
	if o.ignoreComments {
		args = append(args, "-I", "^[[:space:]]*#")
	}
	if o.ignoreWhitespace {
		args = append(args, "-w", "-B")
	}
	out, _ := exec.Command("diff", append(args, pa, pb)...).Output()
	if len(out) == 0 {
		return fmt.Sprintf("%s: the copies differ only in masked secret values\n", file)
	}
	return string(out)
}
