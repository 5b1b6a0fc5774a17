// Package diagnostics is ctdb_diagnostics: it collects a support bundle from
// the cluster's nodes through onnode's remote shell (ssh by default) and
// writes it as one .tar.gz.
//
// For every node the bundle holds the configuration files, the output of
// the ctdb commands an operator needs (status, ip, event status, tunables,
// uptime, the cluster lock), the node's log for a time window, and a few
// system facts. REPORT.txt at the top names what went wrong: files that
// differ between nodes (with a unified diff), nodes that could not be
// reached, clocks that are off. Values that look like secrets (passwords,
// tokens) are masked in everything that is written.
package diagnostics
