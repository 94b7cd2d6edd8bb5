// Package layering holds one test: the import rules of the house style
// (engine packages never use Fyne; the store never speaks IMAP; the small
// shared packages use only the standard library).
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
		{"internal/imapconn", []string{"fyne.io/", module + "internal/archive"}},
		{"internal/cli", []string{"fyne.io/", module + "app"}},
		{"internal/mbox", []string{module, "github.com/", "golang.org/", "modernc.org/", "fyne.io/"}},
		{"internal/progress", []string{module, "github.com/", "golang.org/", "modernc.org/", "fyne.io/"}},
		{"internal/mailerr", []string{module, "github.com/", "golang.org/", "modernc.org/", "fyne.io/"}},
		{"internal/secret", []string{module, "github.com/", "golang.org/", "modernc.org/", "fyne.io/"}},
		{"internal/retry", []string{module, "github.com/", "golang.org/", "modernc.org/", "fyne.io/"}},
		{"assets", []string{"fyne.io/"}},
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
