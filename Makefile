# ctdb-go: a CTDB-style HA cluster daemon.
GO        ?= go
PREFIX    ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR   ?=
BIN       := bin
# Binaries and the package that builds each.
CMDS      := ctdbd:./ctdbd ctdb-recoverd:./recoverd ctdb:./tools/ctdb ctdb_probe:./tools/ctdb_probe \
             ctdb_mutex_fcntl_helper:./tools/ctdb_mutex_fcntl_helper ctdb_local:./tools/ctdb_local
FUZZTIME  ?= 15s

.PHONY: all build test unit fuzz vet install demo clean setup check

all: build

build:
	@mkdir -p $(BIN)
	@set -e; for c in $(CMDS); do \
		name=$${c%%:*}; pkg=$${c#*:}; \
		$(GO) build -o $(BIN)/$$name $$pkg; \
	done
	@echo "built: $$(ls $(BIN) | tr '\n' ' ')"

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

install: build
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/ctdb
	install -m 0755 $(BIN)/ctdbd $(DESTDIR)$(PREFIX)/sbin/ctdbd
	install -m 0755 $(BIN)/ctdb $(BIN)/ctdb_local $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(BIN)/ctdb_probe $(BIN)/ctdb-recoverd $(BIN)/ctdb_mutex_fcntl_helper $(DESTDIR)$(PREFIX)/libexec/ctdb/
	install -d $(DESTDIR)$(SYSCONFDIR)/ctdb/events.d
	install -m 0644 functions $(DESTDIR)$(SYSCONFDIR)/ctdb/functions
	install -m 0755 events.d/[0-9][0-9].* $(DESTDIR)$(SYSCONFDIR)/ctdb/events.d/
	@for f in etc/*; do \
		b=$$(basename $$f); \
		install -m 0644 $$f $(DESTDIR)$(SYSCONFDIR)/ctdb/$$b.sample; \
		[ -e $(DESTDIR)$(SYSCONFDIR)/ctdb/$$b ] || install -m 0644 $$f $(DESTDIR)$(SYSCONFDIR)/ctdb/$$b; \
	done
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
