package config

import (
	"bufio"
	"bytes"
	"strings"
)

// eachLine calls fn with each line (1-based number, surrounding whitespace
// trimmed), stopping at fn's first error.
func eachLine(data []byte, fn func(n int, line string) error) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		if err := fn(n, strings.TrimSpace(sc.Text())); err != nil {
			return err
		}
	}
	return sc.Err()
}
