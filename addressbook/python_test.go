package addressbook_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mailark/mailark/addressbook"
)

// The Debian interpreter: a pyenv python3 on PATH does not see Debian's
// python3-vobject.
const debianPython = "/usr/bin/python3"

// needPython skips the test when python3-vobject is missing, unless
// MAILARK_TEST_NO_SKIP names "python" (then it fails), as CI sets it.
func needPython(t *testing.T) {
	t.Helper()
	err := exec.Command(debianPython, "-c", "import vobject").Run()
	if err == nil {
		return
	}
	msg := "python3-vobject not available (" + err.Error() + "): apt-get install python3-vobject"
	if strings.Contains(os.Getenv("MAILARK_TEST_NO_SKIP"), "python") {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

type pyCard struct {
	Version    string   `json:"version"`
	FN         string   `json:"fn"`
	N          []string `json:"n"`
	Emails     []string `json:"emails"`
	Note       string   `json:"note"`
	Categories []string `json:"categories"`
	UID        string   `json:"uid"`
}

// TestExportsReadByPython exports the fixture book in every format and reads
// it back with independent parsers: vobject for vCard, Python's csv module
// for CSV. Names (Japanese included), addresses and notes must survive.
func TestExportsReadByPython(t *testing.T) {
	needPython(t)
	dir := t.TempDir()
	type job struct {
		file, kind string
		format     addressbook.Format
		opts       addressbook.ExportOptions
	}
	jobs := []job{
		{"c4.vcf", "vcard", addressbook.FormatVCard4, addressbook.ExportOptions{IncludeAutomated: true}},
		{"c3.vcf", "vcard", addressbook.FormatVCard3, addressbook.ExportOptions{IncludeAutomated: true}},
		{"google.csv", "csv-utf8", addressbook.FormatGoogleCSV, addressbook.ExportOptions{IncludeAutomated: true}},
		{"outlook.csv", "csv-utf8", addressbook.FormatOutlookCSV, addressbook.ExportOptions{IncludeAutomated: true}},
		{"outlook-sjis.csv", "csv-cp932", addressbook.FormatOutlookCSV,
			addressbook.ExportOptions{IncludeAutomated: true, Encoding: addressbook.ShiftJIS, ReplaceUnencodable: true}},
	}
	args := []string{filepath.Join("testdata", "check_exports.py")}
	for _, j := range jobs {
		path := filepath.Join(dir, j.file)
		if _, err := addressbook.ExportFile(context.Background(), path, j.format, fixtureBook(), j.opts); err != nil {
			t.Fatalf("ExportFile(%s) error = %v", j.format, err)
		}
		args = append(args, j.kind+"="+path)
	}
	out, err := exec.Command(debianPython, args...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("check_exports.py: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("check_exports.py output: %v\n%s", err, out)
	}
	contacts := fixtureBook().Contacts

	for _, j := range jobs[:2] {
		t.Run(j.file, func(t *testing.T) {
			var cards []pyCard
			if err := json.Unmarshal(got[filepath.Join(dir, j.file)], &cards); err != nil {
				t.Fatal(err)
			}
			if len(cards) != len(contacts) {
				t.Fatalf("vobject read %d cards, want %d", len(cards), len(contacts))
			}
			for i, c := range contacts {
				p := addressbook.SplitName(c.Name)
				want := pyCard{
					Version:    map[addressbook.Format]string{addressbook.FormatVCard4: "4.0", addressbook.FormatVCard3: "3.0"}[j.format],
					FN:         c.DisplayName(),
					N:          []string{p.Family, strings.ReplaceAll(p.Given, ";", ","), p.Middle},
					Emails:     []string{c.Email()},
					Note:       addressbook.DefaultNote(c),
					Categories: []string{"Mailark"},
					UID:        addressbook.ContactUID(c),
				}
				if c.Automated {
					want.Categories = append(want.Categories, "Automated")
				}
				g := cards[i]
				if g.Version != want.Version || g.FN != want.FN || !slices.Equal(g.N, want.N) || !slices.Equal(g.Emails, want.Emails) ||
					g.Note != want.Note || !slices.Equal(g.Categories, want.Categories) || g.UID != want.UID {
					t.Errorf("card %d read as\n%+v\nwant\n%+v", i, g, want)
				}
			}
		})
	}

	csvCases := []struct {
		file                      string
		first, middle, last, mail string
		sjis                      bool
	}{
		{"google.csv", "First Name", "Middle Name", "Last Name", "E-mail 1 - Value", false},
		{"outlook.csv", "First Name", "Middle Name", "Last Name", "E-mail Address", false},
		{"outlook-sjis.csv", "First Name", "Middle Name", "Last Name", "E-mail Address", true},
	}
	for _, cc := range csvCases {
		t.Run(cc.file, func(t *testing.T) {
			var rows []map[string]string
			if err := json.Unmarshal(got[filepath.Join(dir, cc.file)], &rows); err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(contacts) {
				t.Fatalf("csv read %d rows, want %d", len(rows), len(contacts))
			}
			for i, c := range contacts {
				p := addressbook.SplitName(c.Name)
				want := []string{p.Given, p.Middle, p.Family, c.Email()}
				if strings.HasPrefix(p.Given, "=") {
					want[0] = "'" + p.Given // a formula is defused
				}
				if cc.sjis && c.Email() == "zoe@example.fr" {
					want[0], want[2] = "Zoe", "?" // the documented replacements
				}
				r := rows[i]
				if g := []string{r[cc.first], r[cc.middle], r[cc.last], r[cc.mail]}; !slices.Equal(g, want) {
					t.Errorf("row %d = %q, want %q", i, g, want)
				}
			}
		})
	}
}
