package config

import "fmt"

// lineError formats "PATH:LINE: problem"; line 0 means the whole file.
func lineError(path string, line int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if line > 0 {
		return fmt.Errorf("%s:%d: %s", path, line, msg)
	}
	return fmt.Errorf("%s: %s", path, msg)
}
