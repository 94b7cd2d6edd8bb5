package addressbook_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailtext"
)

// A Shift_JIS export never alters an address: a domain Shift_JIS lacks is
// written in its IDNA form (the same address), a local part it lacks keeps
// the contact out, listed, and such an export is not recorded for the
// removal gate.
func TestShiftJISNeverAltersAnAddress(t *testing.T) {
	c := func(name, email string) *addressbook.Contact {
		_, key, _ := mailtext.NormalizeEmail(email)
		return &addressbook.Contact{Name: name, Emails: []string{email}, Key: key, ReceivedFrom: 1}
	}
	book := &addressbook.Book{Contacts: []*addressbook.Contact{
		c("J. Döe", "jdöe@mächine.example"),
		c("John Doe", "jdoe@machine.example"),
		c("Jane", "jane@mächine.example"),
		c("花子", "hanako@例え.jp"),
	}}
	opts := addressbook.ExportOptions{Encoding: addressbook.ShiftJIS, ReplaceUnencodable: true}
	var buf bytes.Buffer
	rec, err := addressbook.Export(&buf, addressbook.FormatGoogleCSV, book, opts)
	if err != nil {
		t.Fatal(err)
	}
	text, err := japanese.ShiftJIS.NewDecoder().String(buf.String())
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(text, "jdoe@machine.example"); n != 1 {
		t.Errorf("jdoe@machine.example appears %d times, want once (jdöe@mächine.example must not become it):\n%s", n, text)
	}
	for _, want := range []string{"jane@xn--mchine-bua.example", "hanako@例え.jp"} {
		if !strings.Contains(text, want) {
			t.Errorf("export lacks %s:\n%s", want, text)
		}
	}
	if strings.Join(rec.Skipped, ",") != "jdöe@mächine.example" || rec.Contacts != 3 {
		t.Errorf("Skipped = %q, Contacts = %d; want [jdöe@mächine.example], 3", rec.Skipped, rec.Contacts)
	}

	// Recorded for the gate only when no one was left out.
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "archive")
	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	out := filepath.Join(t.TempDir(), "c.csv")
	rec, err = addressbook.ExportToArchive(ctx, a, out, addressbook.FormatGoogleCSV, book, opts)
	if err != nil || rec.Recorded {
		t.Fatalf("ExportToArchive() with a contact left out = recorded %v, %v; want written, not recorded", rec.Recorded, err)
	}
	if _, ok, err := addressbook.LastExport(ctx, a); ok || err != nil {
		t.Errorf("LastExport() after an export that left a contact out = %v, %v; want none", ok, err)
	}
	rec, err = addressbook.ExportToArchive(ctx, a, out, addressbook.FormatGoogleCSV, book, addressbook.ExportOptions{Now: time.Now})
	if err != nil || !rec.Recorded {
		t.Fatalf("ExportToArchive() as UTF-8 = recorded %v, %v", rec.Recorded, err)
	}
	if _, ok, err := addressbook.LastExport(ctx, a); !ok || err != nil {
		t.Errorf("LastExport() after a whole export = %v, %v; want it", ok, err)
	}
}
