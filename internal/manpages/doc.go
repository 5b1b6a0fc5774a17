// Package manpages holds the manual pages of ctdb-go, written once in
// Markdown and turned into roff at build time (tools/mkman) with go-md2man.
//
// pages/NAME.SECTION.md is one page. ctdb(1) is assembled: every file
// commands/COMMAND.md (one "### COMMAND ARGS" section per ctdb command) is
// inserted, in name order, at the line "<!-- COMMANDS -->" of pages/ctdb.1.md.
// To document a new ctdb command, add commands/COMMAND.md; a test of
// internal/cli fails while a command of its table has none.
//
// `ctdb help COMMAND` prints the command's section as plain text
// (CommandHelp), and a test checks that it has the same words as `man -l`
// shows for that section. The tool embeds that text rendered ahead of time
// (internal/manpages/helptext, go generate), not this package.
package manpages
