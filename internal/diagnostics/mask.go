package diagnostics

import "regexp"

// secretRE finds NAME=VALUE, NAME: VALUE, NAME = VALUE and --NAME VALUE
// where NAME says it is a secret. The value is what gets masked.
var secretRE = regexp.MustCompile(`(?i)([A-Za-z0-9_.-]*(?:password|passwd|secret|token|credentials?|api[_-]?key|private[_-]?key)[A-Za-z0-9_.-]*)(\s*[=:]\s*|\s+)("[^"]*"|'[^']*'|[^\s"']+)`)

// Masked is what replaces a secret value.
const Masked = "********"

// maskSecrets replaces the values of secret-looking settings.
func maskSecrets(b []byte) []byte {
	return secretRE.ReplaceAll(b, []byte("${1}${2}"+Masked))
}
