// Package layering holds the house style's structural tests: the import
// rules (engine packages never use Fyne; the store never speaks IMAP; the
// small shared packages use only the standard library; the front-ends
// never touch the wire or the database) and the rule that engine errors do
// not name the command line's commands and flags.
package layering

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/mailark/mailark/"

func TestImportRules(t *testing.T) {
	rules := []struct {
		pkg   string
		never []string // import path prefixes
	}{
		{"backup", []string{"fyne.io/", module + "app", module + "gate", module + "migrate", module + "addressbook", module + "internal/cli"}},
		{"addressbook", []string{"fyne.io/", "github.com/emersion/go-imap", module + "backup", module + "gate", module + "migrate", module + "app"}},
		{"gate", []string{"fyne.io/", module + "backup", module + "migrate", module + "app", module + "internal/cli"}},
		{"migrate", []string{"fyne.io/", module + "backup", module + "app", module + "internal/cli"}},
		{"internal/archive", []string{"fyne.io/", "github.com/emersion/go-imap"}},
		// The one decoder of mail text: go-message, x/text and the
		// standard library, nothing of the archive, IMAP or the windows.
		{"internal/mailtext", []string{"fyne.io/", "github.com/emersion/go-imap", "modernc.org/", module + "internal/archive",
			module + "backup", module + "addressbook", module + "migrate", module + "app", module + "internal/imapconn"}},
		{"internal/imapconn", []string{"fyne.io/", module + "internal/archive"}},
		{"internal/cli", []string{"fyne.io/", module + "app"}},
		{"desk", []string{"fyne.io/", module + "app", module + "internal/cli"}},
		{"internal/mbox", []string{module, "github.com/", "golang.org/", "modernc.org/", "fyne.io/"}},
		{"internal/progress", []string{module, "github.com/", "golang.org/", "modernc.org/", "fyne.io/"}},
		{"internal/mailerr", []string{module, "github.com/", "golang.org/", "modernc.org/", "fyne.io/"}},
		{"internal/secret", []string{module, "github.com/", "golang.org/", "modernc.org/", "fyne.io/"}},
		{"internal/retry", []string{module, "github.com/", "golang.org/", "modernc.org/", "fyne.io/"}},
		// The providers' limits: a table and a ledger interface, no store
		// and no wire (the archive and the desk implement the ledger).
		{"internal/limits", []string{module + "internal/archive", module + "internal/imapconn", module + "backup", module + "migrate", module + "desk", "github.com/emersion/", "modernc.org/", "fyne.io/"}},
		{"assets", []string{"fyne.io/"}},
		{"app", []string{module + "internal/cli"}},
		{"internal/demo", []string{"fyne.io/", module + "app", module + "internal/cli", module + "internal/archive"}},
		{"internal/settings", []string{"fyne.io/", module + "app", module + "internal/cli", module + "internal/archive", "github.com/emersion/go-imap"}},
		{"internal/autoconfig", []string{"fyne.io/", module + "app", module + "internal/cli", module + "internal/archive"}},
		// The POP3 client speaks the wire only: no store, no windows.
		{"internal/pop3", []string{"fyne.io/", module + "app", module + "internal/cli", module + "internal/archive", module + "backup", module + "gate"}},
	}
	for _, r := range rules {
		t.Run(r.pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", module+r.pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", r.pkg, err)
			}
			for _, dep := range strings.Fields(string(out)) {
				if dep == module+r.pkg {
					continue
				}
				for _, bad := range r.never {
					if strings.HasPrefix(dep, bad) {
						t.Errorf("%s depends on %s", r.pkg, dep)
					}
				}
			}
		})
	}
}

// goMessageExceptions are the packages besides internal/mailtext that may
// import go-message directly, and why.
var goMessageExceptions = map[string]string{
	module + "migrate": "writes the announcement drafts (MIME writing, not reading)",
}

// TestOneMailTextDecoder: only internal/mailtext imports go-message, so mail
// text is decoded one way everywhere (backup's index and headers, the
// address book, the windows, the announcement).
func TestOneMailTextDecoder(t *testing.T) {
	for pkg, imports := range packageImports(t) {
		if pkg == module+"internal/mailtext" || goMessageExceptions[pkg] != "" {
			continue
		}
		for _, imp := range imports {
			if strings.HasPrefix(imp, "github.com/emersion/go-message") {
				t.Errorf("%s imports %s: decode mail text through internal/mailtext", pkg, imp)
			}
		}
	}
}

// archiveTest is the one package besides internal/archive that may run SQL
// on an archive: it lets tests damage a database on purpose, so no package
// (tests aside) may import it.
const archiveTest = module + "internal/archive/archivetest"

// deskQueue runs SQL on its own database, the support desk's job queue
// (River's tables and the desk's), never on an archive: it reaches the
// customers' archives through the engine packages like everyone else.
const deskQueue = module + "desk"

// TestOnlyArchiveRunsSQL: internal/archive is the only package that imports
// database/sql or the SQLite driver; everyone else uses its typed methods.
// (Tests may open the database straight through archivetest, to damage it on
// purpose.)
func TestOnlyArchiveRunsSQL(t *testing.T) {
	for pkg, imports := range packageImports(t) {
		for _, imp := range imports {
			if imp == archiveTest {
				t.Errorf("%s imports %s: only tests may", pkg, imp)
			}
		}
		if pkg == module+"internal/archive" || pkg == archiveTest || pkg == deskQueue {
			continue
		}
		// internal/mailstore reads the mail apps' own SQLite files
		// (Apple's Accounts4.sqlite, address books), opened read-only and
		// immutable; it never opens the archive (it does not import
		// internal/archive's database code, only its source kinds).
		if pkg == module+"internal/mailstore" {
			continue
		}
		for _, imp := range imports {
			if imp == "database/sql" || strings.HasPrefix(imp, "modernc.org/sqlite") {
				t.Errorf("%s imports %s: only internal/archive runs SQL on the archive", pkg, imp)
			}
		}
	}
}

// packageImports is each package of the module (not its tests) with what it
// imports directly.
func packageImports(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			pkgs[f[0]] = f[1:]
		}
	}
	return pkgs
}

// The front-ends are thin: they talk to the engine packages, never to the
// wire or the database themselves. These rules are on a package's own
// imports (the engine below them does use go-imap and SQLite).
func TestFrontEndImports(t *testing.T) {
	noSQL := []string{"database/sql", "modernc.org/sqlite"}
	rules := []struct {
		pkg   string
		never []string
	}{
		{"app", append([]string{"github.com/emersion/go-imap"}, noSQL...)},
		{"internal/cli", noSQL},
	}
	for _, r := range rules {
		t.Run(r.pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, module+r.pkg).Output()
			if err != nil {
				t.Fatalf("go list %s: %v", r.pkg, err)
			}
			for _, imp := range strings.Fields(string(out)) {
				for _, bad := range r.never {
					if strings.HasPrefix(imp, bad) {
						t.Errorf("%s imports %s", r.pkg, imp)
					}
				}
			}
		})
	}
}

// The screenshot driver (app/script.go) is in a build with -tags
// screenshots only, never in the shipped binary.
func TestScreenshotDriverOnlyWithTag(t *testing.T) {
	files := func(tags ...string) string {
		args := append([]string{"list"}, tags...)
		out, err := exec.Command("go", append(args, "-f", "{{.GoFiles}}", module+"app")...).Output()
		if err != nil {
			t.Fatalf("go list %v app: %v", tags, err)
		}
		return string(out)
	}
	if shipped := files(); strings.Contains(shipped, "script.go") {
		t.Errorf("the shipped build of app holds the screenshot driver: %s", shipped)
	}
	if tagged := files("-tags", "screenshots"); !strings.Contains(tagged, " script.go") && !strings.Contains(tagged, "[script.go") {
		t.Errorf("-tags screenshots does not build the screenshot driver: %s", tagged)
	}
}

// The shipped binary links no test helper: the demo writes its
// Thunderbird store with internal/mailstore/layout, not storetest.
func TestShippedBinaryLinksNoTestHelpers(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", strings.TrimSuffix(module, "/")).Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case dep == "testing", strings.HasPrefix(dep, module+"internal/testimap"), strings.HasPrefix(dep, module+"internal/testmail"),
			strings.HasPrefix(dep, module+"internal/mailstore/storetest"):
			t.Errorf("the shipped binary links %s", dep)
		}
	}
}
