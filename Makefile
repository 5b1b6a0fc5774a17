# ctdb-go: a CTDB-style HA cluster daemon.
GO        ?= go
PREFIX    ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR   ?=
BIN       := bin
# Binaries and the package that builds each.
CMDS      := ctdbd:./ctdbd ctdb-recoverd:./recoverd ctdb:./tools/ctdb ctdb_probe:./tools/ctdb_probe \
             ctdb_mutex_fcntl_helper:./tools/ctdb_mutex_fcntl_helper ctdb_local:./tools/ctdb_local \
             onnode:./tools/onnode ctdb_diagnostics:./tools/ctdb_diagnostics mkman:./tools/mkman
CMDS      += ctdb_etcd_lock:./tools/ctdb_etcd_lock
CMDS      += ctdb_ipguard:./tools/ctdb_ipguard ctdb_tdb_helper:./tools/ctdb_tdb_helper
FUZZTIME  ?= 15s
# CTDB's script helpers, installed in libexec/ctdb ($CTDB_HELPER_BINDIR).
CMDS      += ctdb-config:./tools/ctdb-config ctdb-path:./tools/ctdb-path
# The packaged eventscripts: DATADIR/events/legacy/NN.name.script. With
# PREFIX=/usr this is CTDB's /usr/share/ctdb, so existing symlinks keep working.
DATADIR   ?= $(PREFIX)/share/ctdb
# The scripts a first install enables (as CTDB does); the service scripts
# (49.winbind, 50.samba, 60.nfs, 06.nfs) are installed but not enabled.
ENABLED_SCRIPTS ?= 00.ctdb 01.reclock 05.system 10.interface
LDFLAGS   := -X github.com/ctdb-go/ctdb/internal/config.DefaultDataDir=$(DATADIR)

.PHONY: all binaries build test unit fuzz vet install demo clean man deb deps cdeps setup check

all: build

# binaries builds each name:package of CMDS into BIN (the test harness
# runs it too, with its own CMDS, BIN and LDFLAGS, so both build alike).
# A binary links libc only when one of our packages needs cgo (ctdbd and
# ctdb_tdb_helper: Samba's libtdb); the others are static, which saves each
# start the dynamic loader and libc's set-up (about 2 ms of CPU here), and
# the tool, ctdb_probe, ctdb-config and ctdb-path start many times a minute.
binaries: cdeps
	@mkdir -p $(BIN)
	@set -e; for c in $(CMDS); do \
		name=$${c%%:*}; pkg=$${c#*:}; cgo=0; \
		if $(GO) list -deps -f '{{if .CgoFiles}}{{.ImportPath}}{{end}}' $$pkg | grep -q '^github.com/ctdb-go/'; then cgo=1; fi; \
		CGO_ENABLED=$$cgo $(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/$$name $$pkg; \
	done

build: binaries
	@$(BIN)/mkman -out $(BIN)/man
	@echo "built: $$(ls $(BIN) | tr '\n' ' ')"

# The manual pages (internal/manpages, Markdown) as roff in $(BIN)/man;
# `man -l $(BIN)/man/ctdb.1` shows one.
man: build

# The C library the build links (internal/tdb: Samba's libtdb through cgo).
# `make deps` installs what tests/setup/debian-packages lists (as root).
cdeps:
	@test -e /usr/include/tdb.h || { [ "$$(id -u)" = 0 ] && tests/setup/machine.sh; } || true
	@test -e /usr/include/tdb.h || { echo "missing /usr/include/tdb.h: install Debian's libtdb-dev (run 'make deps' as root)" >&2; exit 1; }

deps:
	tests/setup/machine.sh

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

# Everything: prepares the machine (tests/setup/machine.sh), then unit
# tests, the tests that run the real binaries (tests/), a short fuzz run of
# the wire decoder, and a summary repeating every SKIP line
# (tests/setup/test.sh). Under CI=true a skipped required suite fails.
test: setup build vet
	@GO=$(GO) bash tests/setup/test.sh

# Installs what the tests need (as root; otherwise says what is missing).
setup:
	@bash tests/setup/machine.sh

# The edit-test loop: gofmt, go vet and the unit tests (no real binaries,
# no namespaces), in under a minute.
check: vet
	$(GO) test -short -count=1 ./internal/... ./ctdbd/... ./recoverd/... ./tools/...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) ./internal/protocol

# The Debian package, with Debian's paths (tools/packaging/mkdeb.sh):
# $(BIN)/ctdb-go_VERSION_ARCH.deb.
deb:
	@$(MAKE) --no-print-directory build BIN=$(BIN)/deb PREFIX=/usr
	@sh tools/packaging/mkdeb.sh $(BIN)/deb $(BIN)

# What install writes, checked first against the dpkg database (the
# system's, or the one inside DESTDIR) so that files of a package such as
# Debian's ctdb are not overwritten without a warning.
INSTALL_BIN     := ctdb ctdb_local onnode ctdb_diagnostics
INSTALL_LIBEXEC := ctdb_probe ctdb-recoverd ctdb_mutex_fcntl_helper ctdb_etcd_lock ctdb-config ctdb-path ctdb_ipguard ctdb_tdb_helper

install: build
	@sh tools/packaging/owned-files.sh "$(DESTDIR)" $(PREFIX)/sbin/ctdbd \
		$(addprefix $(PREFIX)/bin/,$(INSTALL_BIN)) $(addprefix $(PREFIX)/libexec/ctdb/,$(INSTALL_LIBEXEC)) \
		$(SYSCONFDIR)/ctdb/functions $(addsuffix .script,$(addprefix $(DATADIR)/events/legacy/,$(notdir $(wildcard events.d/[0-9][0-9].*)))) \
		$(addprefix $(PREFIX)/share/man/man,$(foreach f,$(notdir $(wildcard $(BIN)/man/*)),$(subst .,,$(suffix $(f)))/$(f)))
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/ctdb
	install -m 0755 $(BIN)/ctdbd $(DESTDIR)$(PREFIX)/sbin/ctdbd
	install -m 0755 $(addprefix $(BIN)/,$(INSTALL_BIN)) $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(addprefix $(BIN)/,$(INSTALL_LIBEXEC)) $(DESTDIR)$(PREFIX)/libexec/ctdb/
	install -d $(DESTDIR)$(SYSCONFDIR)/ctdb
	install -m 0644 functions $(DESTDIR)$(SYSCONFDIR)/ctdb/functions
	@# CTDB 4.x layout: packaged scripts in DATADIR, enabled by a symlink in
	@# SYSCONFDIR/ctdb/events/legacy (made only on a first install, so an
	@# operator's choices survive an upgrade; relative, so DESTDIR works).
	install -d $(DESTDIR)$(DATADIR)/events/legacy $(DESTDIR)$(SYSCONFDIR)/ctdb/events/notification
	@for f in events.d/[0-9][0-9].*; do \
		install -m 0755 $$f $(DESTDIR)$(DATADIR)/events/legacy/$$(basename $$f).script; \
	done
	@legacy=$(DESTDIR)$(SYSCONFDIR)/ctdb/events/legacy; \
	if [ ! -d $$legacy ]; then \
		install -d $$legacy; \
		for f in $(ENABLED_SCRIPTS); do \
			n=$$f.script; \
			ln -s $$(realpath -m --relative-to=$(SYSCONFDIR)/ctdb/events/legacy $(DATADIR)/events/legacy/$$n) $$legacy/$$n; \
		done; \
	fi
	@for f in etc/*; do [ -f $$f ] || continue; \
		b=$$(basename $$f); m=0644; case $$b in *.sh) m=0755;; esac; \
		install -m $$m $$f $(DESTDIR)$(SYSCONFDIR)/ctdb/$$b.sample; \
		[ -e $(DESTDIR)$(SYSCONFDIR)/ctdb/$$b ] || install -m $$m $$f $(DESTDIR)$(SYSCONFDIR)/ctdb/$$b; \
	done
	@for f in $(BIN)/man/*.[0-9]; do \
		s=$${f##*.}; install -d $(DESTDIR)$(PREFIX)/share/man/man$$s; \
		install -m 0644 $$f $(DESTDIR)$(PREFIX)/share/man/man$$s/; \
	done
	@# NFS checks and the NFS-Ganesha callout (see 60.nfs).
	@for d in nfs-checks.d nfs-checks-ganesha.d; do \
		install -d $(DESTDIR)$(SYSCONFDIR)/ctdb/$$d; \
		for f in etc/$$d/*.check; do \
			[ -e $(DESTDIR)$(SYSCONFDIR)/ctdb/$$d/$$(basename $$f) ] || install -m 0644 $$f $(DESTDIR)$(SYSCONFDIR)/ctdb/$$d/; \
		done; \
	done
	@chmod 0755 $(DESTDIR)$(SYSCONFDIR)/ctdb/nfs-ganesha-callout $(DESTDIR)$(SYSCONFDIR)/ctdb/nfs-ganesha-callout.sample
	@echo "installed under $(DESTDIR)$(PREFIX) and $(DESTDIR)$(SYSCONFDIR)/ctdb"

# The main job on a built-in default: a local node with the shipped
# eventscripts; shows ctdb status and ctdb event status, then stops.
demo: build
	$(BIN)/ctdb_local demo

clean:
	rm -rf $(BIN)

# The benchmark suite (tests/bench): every scenario 5 times against ctdb-go
# and, when installed (make bench-deps), Samba's CTDB; prints one table and
# writes it as Markdown and JSON under results/. Needs root for the
# network-namespace and FUSE scenarios.
.PHONY: bench bench-deps
bench:
	$(GO) run ./tests/bench -reps 5 -out results

# Installs Samba's CTDB (the Debian package) for the comparison.
bench-deps:
	DEBIAN_FRONTEND=noninteractive apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ctdb ethtool
