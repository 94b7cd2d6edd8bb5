# Mailark: build, test and demo. `make test` is what CI runs (.ci/run).
#
#   make deps    install missing Debian packages (apt; sudo when not root)
#   make build   build ./mailark
#   make package build dist/Mailark.tar.xz (desktop file, icon) with Fyne's
#                packaging tool, fyne.io/tools/cmd/fyne at FYNE_TOOL_VERSION
#   make test    deps, then vet, gofmt check and the whole Go suite
#   make demo    deps, then `go run . demo`
#   make fuzz    run every Fuzz* target for FUZZTIME each (default 30s)
#   make bench   deps, then the benchmark (bench/): Mailark vs mbsync vs the wire
#                limit on a private Dovecot with N messages (default 20000);
#                BENCHFLAGS adds flags, e.g. BENCHFLAGS="-only mailark -keep"
#   make soak    not part of test: every fault loop at SOAK times CI's counts
#                (default 10), then the same reliability line as CI

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

GO       ?= go
FUZZTIME ?= 30s
N        ?= 20000
BENCHFLAGS ?=
comma    := ,
# The maintained packaging tool (fyne.io/fyne/v2/cmd/fyne is deprecated).
FYNE_TOOL_VERSION ?= v1.7.4

# Integration tests against a private Dovecot (internal/testimap) run always.
export MAILARK_TEST_DOVECOT ?= 1
# Debian's Python, which has python3-vobject (a pyenv python3 may come first in PATH).
export MAILARK_PYTHON ?= /usr/bin/python3
# In CI a test that would skip for a missing tool fails instead.
ifeq ($(CI),true)
export MAILARK_TEST_NO_SKIP ?= dovecot$(comma)python$(comma)tmpfs$(comma)sqlite3$(comma)postgres$(comma)chromium
# CI must really run the tests, not report cached results.
GOTESTFLAGS ?= -count=1 -timeout 15m
else
GOTESTFLAGS ?= -timeout 15m
endif

.PHONY: all deps build package test vet fmt-check test-go test-gui test-race demo fuzz bench soak

all: build

deps:
	@scripts/deps.sh

build:
	$(GO) build -o mailark .

# Installs the packaging tool into dist/bin (not on PATH), builds the
# release binary and packs it with FyneApp.toml's name, ID, version and
# icon; then checks that the archive holds the binary, the .desktop file and
# the icon, so that packaging cannot rot unseen (CI runs this once).
package:
	@mkdir -p dist/bin
	GOBIN=$(CURDIR)/dist/bin $(GO) install fyne.io/tools/cmd/fyne@$(FYNE_TOOL_VERSION)
	rm -f Mailark.tar.xz dist/Mailark.tar.xz
	dist/bin/fyne package --os linux --release
	mv Mailark.tar.xz dist/Mailark.tar.xz
	@listing=$$(tar -tJf dist/Mailark.tar.xz); \
	for want in 'usr/local/bin/mailark' 'usr/local/share/applications/.*\.desktop' 'usr/local/share/pixmaps/.*\.png'; do \
		grep -qE "$$want" <<<"$$listing" || { echo "package: dist/Mailark.tar.xz lacks $$want:"; echo "$$listing"; exit 1; }; \
	done; \
	echo "package: dist/Mailark.tar.xz ($$(du -h dist/Mailark.tar.xz | cut -f1)) holds the binary, the desktop file and the icon"

# Steps run in this order. test-gui drives the real window under Xvfb and
# saves screenshots of every screen in English and Japanese.
test: deps vet fmt-check test-go test-gui

vet:
	$(GO) vet ./...
	$(GO) vet -tags screenshots ./app/

fmt-check:
	@files=$$(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*' -print0 | xargs -0 -r gofmt -l); \
	if [ -n "$$files" ]; then echo "gofmt: these files need gofmt -w:"; echo "$$files"; exit 1; fi; \
	echo "gofmt: ok"

# Also runs every fuzz target's seed corpus (f.Add and testdata/fuzz).
# The reliability summary goes to ci-artifacts/reliability.txt.
test-go:
	@mkdir -p ci-artifacts
	MAILARK_REPORT_DIR=$(CURDIR)/ci-artifacts $(GO) test $(GOTESTFLAGS) ./... 2>&1 | tee ci-artifacts/go-test.log

# Screenshots of every screen of the real window (en, ja) into ci-artifacts/screenshots/.
# The screenshot driver is built only with -tags screenshots, into its own
# binary: ./mailark, the one shipped, has none.
test-gui:
	$(GO) build -tags screenshots -o mailark-screenshots .
	MAILARK_BIN=./mailark-screenshots scripts/gui-screenshots.sh

demo: deps
	$(GO) run . demo

fuzz:
	@scripts/fuzz.sh "$(FUZZTIME)"

# Not a test: prints one table measured side by side (see bench/main.go).
bench: deps
	$(GO) run ./bench -n $(N) $(BENCHFLAGS)

# Not part of test (nor CI): the tests where goroutines share the most
# (several connections, cuts, records saved from each connection), under
# the race detector. Not in CI: go-imap v2.0.0-beta.8 itself races when a
# write fails while its reader hands out a FETCH (closeWithError closes the
# command's channel that the reader sends on), which these tests can hit.
RACERUN ?= TestCopyLog|TestBulkReader|TestDroppedConnectionsAreRetried|TestDovecotFourConnections|TestCopyFindsWhatTheServerStoresLate|TestCopyFourConnectionsCutsAndLimit|TestMigrateCutAnywhere|TestRemoveUnderFaults
test-race: deps
	$(GO) test -race -count=1 -run '$(RACERUN)' ./internal/archive ./backup ./migrate ./gate

# Not part of test (nor CI): the fault loops of every kind, over every path
# that writes, at SOAK times CI's counts: connection cuts, resets and stalls
# (TestCutAnywhere, TestMigrateCutAnywhere, TestRemoveUnderFaults), SIGKILLs
# (TestKilled*), disk full at random sizes (TestDiskFull*), a NO to any
# command and BYE at any point (TestServerRefusesAnywhere,
# TestMigrateRefusedAnywhere, TestRemoveUnderFaults). Each loop's count flag
# defaults to CI's count times $$MAILARK_SOAK. Output and the reliability
# files go to ci-artifacts/soak/; the reliability line is printed even when a
# test failed.
SOAK ?= 10
SOAKRUN ?= CutAnywhere|Killed|DiskFull|RefusesAnywhere|RefusedAnywhere|UnderFaults
soak: deps
	@mkdir -p ci-artifacts/soak
	@rm -f ci-artifacts/soak/reliability*.txt
	@echo "soak: fault loops at $(SOAK)x CI's counts"
	status=0; MAILARK_SOAK=$(SOAK) MAILARK_REPORT_DIR=$(CURDIR)/ci-artifacts/soak $(GO) test -count=1 -timeout 0 \
		-run '$(SOAKRUN)' ./backup ./migrate ./gate 2>&1 | tee ci-artifacts/soak/go-test.log || status=$$?; \
	scripts/reliability.sh ci-artifacts/soak; exit $$status
