package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
)

var (
	namedCommand = regexp.MustCompile(`mailark ([a-z]+)`)
	namedFlag    = regexp.MustCompile(`--([a-z][a-z0-9-]*[a-z0-9])`)
	definedFlag  = regexp.MustCompile(`(?m)^\s+-([a-z][a-z0-9-]*)`)
)

// commandFlags parses every subcommand's flag set (through its -h output)
// and returns the flags each defines.
func commandFlags(t *testing.T) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	help := func(name string, run func(context.Context, *Env, []string) int) {
		var stderr bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &stderr,
			Getenv: func(string) string { return "" }, Unsetenv: func(string) error { return nil },
			IsTerminal: func(int) bool { return false }, ReadPassword: func(string) (string, error) { return "", errors.New("no") }}
		run(context.Background(), env, []string{"-h"})
		flags := out[name]
		if flags == nil {
			flags = map[string]bool{}
			out[name] = flags
		}
		for _, m := range definedFlag.FindAllStringSubmatch(stderr.String(), -1) {
			flags[m[1]] = true
		}
	}
	for _, c := range commands() {
		if c.name != "contacts" {
			help(c.name, c.run)
		}
	}
	help("contacts", runContactsList)
	help("contacts", runContactsExport)
	if len(out["backup"]) == 0 || !out["backup"]["archive"] {
		t.Fatalf("could not read the backup command's flags: %v", out["backup"])
	}
	return out
}

// Every flag the command line's advice names exists: in the command the
// text names, else in some command.
func TestAdviceNamesRealFlags(t *testing.T) {
	flags := commandFlags(t)
	var texts []string
	for _, s := range nextSteps {
		texts = append(texts, s.text)
	}
	for _, s := range kindSteps {
		texts = append(texts, s)
	}
	for _, s := range conditionStep {
		texts = append(texts, s)
	}
	for k := mailerr.Kind(0); !strings.HasPrefix(k.String(), "kind("); k++ {
		texts = append(texts, UserMessage(mailerr.New(k, "op", "imap.example.com", errors.New("cause"))))
	}
	for _, text := range texts {
		var in []string
		for _, m := range namedCommand.FindAllStringSubmatch(text, -1) {
			if _, ok := flags[m[1]]; !ok {
				t.Errorf("%q names the command %q, which does not exist", text, m[1])
			}
			in = append(in, m[1])
		}
		if len(in) == 0 {
			for name := range flags {
				in = append(in, name)
			}
		}
		for _, m := range namedFlag.FindAllStringSubmatch(text, -1) {
			found := false
			for _, name := range in {
				found = found || flags[name][m[1]]
			}
			if !found {
				t.Errorf("%q names --%s, which %v do not have", text, m[1], in)
			}
		}
	}
}

// The advice reaches the person: the engine's sentence, then the step.
func TestUserMessageAddsNextStep(t *testing.T) {
	for _, s := range nextSteps {
		err := mailerr.New(mailerr.BadInput, "op", "", s.err)
		got := UserMessage(err)
		if !strings.HasSuffix(got, " "+s.text) {
			t.Errorf("UserMessage(%v) = %q, want it to end with %q", err, got, s.text)
		}
	}
}

// A reader of an archive whose first backup stopped while making it is told
// that nothing was saved yet and to run the backup again, not that the
// archive is broken (nor to verify it).
func TestNothingSavedAdvice(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, archive.DBFile), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := archive.Open(context.Background(), dir, archive.Options{ReadOnly: true})
	if err == nil {
		a.Close()
		t.Fatal("Open(ReadOnly) = nil error, want one")
	}
	s := UserMessage(err)
	if !strings.HasPrefix(s, "Nothing was saved") || !strings.Contains(s, "Run mailark backup again") ||
		strings.Contains(s, "verify") || strings.Contains(s, "\n") {
		t.Errorf("UserMessage() = %q, want one line: nothing saved, run mailark backup again", s)
	}
}

// The Shift_JIS error names the ways out.
func TestUnencodableAdvice(t *testing.T) {
	err := mailerr.New(mailerr.BadInput, "export contacts", "c.csv",
		&addressbook.UnencodableError{Contact: "zoe@example.fr", Char: 'ë', Encoding: addressbook.ShiftJIS})
	if s := UserMessage(err); !strings.Contains(s, "--replace-unencodable") || !strings.Contains(s, "zoe@example.fr") {
		t.Errorf("UserMessage() = %q, want the contact and --replace-unencodable", s)
	}
}

// A compressed stream that cannot be read names the way out: --compress off.
func TestCompressBrokenAdvice(t *testing.T) {
	err := mailerr.New(mailerr.ServerError, "read response", "imap.example.com",
		fmt.Errorf("%w: it is corrupt at byte 3", imapconn.ErrCompressBroken))
	if s := UserMessage(err); !strings.Contains(s, "--compress off") || strings.Contains(s, "\n") {
		t.Errorf("UserMessage() = %q, want one line naming --compress off", s)
	}
}

// Each command that connects names only its own flags in the advice it
// prints for any kind of error: migrate and announce say --to-security,
// --to-ca-file and --to-allow-insecure, never the old account's flags.
func TestConnectionAdviceNamesTheCommandsFlags(t *testing.T) {
	flags := commandFlags(t)
	var errs []error
	for k := mailerr.Kind(0); !strings.HasPrefix(k.String(), "kind("); k++ {
		errs = append(errs, mailerr.New(k, "op", "imap.example.com", errors.New("cause")))
	}
	errs = append(errs, mailerr.New(mailerr.NoStartTLS, "op", "imap.example.com", imapconn.ErrStartTLSRefused))
	for cmd, prefix := range map[string]string{"backup": "", "verify": "", "remove": "", "report": "", "migrate": "to-", "announce": "to-"} {
		for _, err := range errs {
			text := userMessageFor(prefix, err)
			if namedCommand.MatchString(text) {
				continue // checked against the command it names (TestAdviceNamesRealFlags)
			}
			for _, m := range namedFlag.FindAllStringSubmatch(text, -1) {
				if !flags[cmd][m[1]] {
					t.Errorf("%s: %q names --%s, which %s does not have", cmd, text, m[1], cmd)
				}
			}
		}
	}
}
