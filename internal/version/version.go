// Package version holds the release of ctdb-go, shared by ctdbd (which
// reports it to other nodes and over its socket) and the ctdb tool (whose
// `ctdb version` answers without a daemon, as CTDB's does).
package version

// Version is the release; `go build -ldflags "-X
// github.com/ctdb-go/ctdb/internal/version.Version=..."` may override it.
var Version = "0.1.0"
