package addressbook_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-vcard"
	"golang.org/x/text/encoding/japanese"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/internal/golden"
	"github.com/mailark/mailark/internal/mailerr"
)

func export(t *testing.T, f addressbook.Format, book *addressbook.Book, opts addressbook.ExportOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := addressbook.Export(&buf, f, book, opts); err != nil {
		t.Fatalf("Export(%s) error = %v", f, err)
	}
	return buf.Bytes()
}

func TestExportGolden(t *testing.T) {
	tests := []struct {
		name   string
		format addressbook.Format
		opts   addressbook.ExportOptions
	}{
		{"contacts-vcard4.vcf", addressbook.FormatVCard4, addressbook.ExportOptions{}},
		{"contacts-vcard3.vcf", addressbook.FormatVCard3, addressbook.ExportOptions{}},
		{"contacts-vcard4-automated.vcf", addressbook.FormatVCard4, addressbook.ExportOptions{IncludeAutomated: true}},
		{"contacts-google.csv", addressbook.FormatGoogleCSV, addressbook.ExportOptions{}},
		{"contacts-outlook.csv", addressbook.FormatOutlookCSV, addressbook.ExportOptions{}},
		{"contacts-outlook-sjis.csv", addressbook.FormatOutlookCSV, addressbook.ExportOptions{Encoding: addressbook.ShiftJIS, ReplaceUnencodable: true}},
		{"contacts-google-nobom.csv", addressbook.FormatGoogleCSV, addressbook.ExportOptions{Encoding: addressbook.UTF8, IncludeAutomated: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := export(t, tt.format, fixtureBook(), tt.opts)
			golden.Check(t, tt.name, got)
			if again := export(t, tt.format, fixtureBook(), tt.opts); !bytes.Equal(got, again) {
				t.Errorf("Export(%s) is not deterministic", tt.format)
			}
		})
	}
}

func TestExportVCardLines(t *testing.T) {
	for _, f := range []addressbook.Format{addressbook.FormatVCard4, addressbook.FormatVCard3} {
		t.Run(string(f), func(t *testing.T) {
			out := export(t, f, fixtureBook(), addressbook.ExportOptions{IncludeAutomated: true})
			if !bytes.HasSuffix(out, []byte("\r\n")) {
				t.Errorf("output does not end in CRLF")
			}
			folded := 0
			for _, line := range strings.Split(strings.TrimSuffix(string(out), "\r\n"), "\r\n") {
				if len(line) > 75 {
					t.Errorf("line of %d octets: %q", len(line), line)
				}
				if !utf8.ValidString(line) {
					t.Errorf("line splits a UTF-8 character: %q", line)
				}
				if strings.ContainsAny(line, "\r\n") {
					t.Errorf("bare CR or LF in %q", line)
				}
				if strings.HasPrefix(line, " ") {
					folded++
				}
			}
			if folded == 0 {
				t.Errorf("no folded line: the fixture should need folding")
			}
			// go-vcard's own decoder unfolds and reads back every card.
			dec := vcard.NewDecoder(bytes.NewReader(out))
			for i, c := range fixtureBook().Contacts {
				card, err := dec.Decode()
				if err != nil {
					t.Fatalf("card %d: %v", i, err)
				}
				if got := card.PreferredValue(vcard.FieldEmail); got != c.Email() {
					t.Errorf("card %d EMAIL = %q, want %q", i, got, c.Email())
				}
				// go-vcard's decoder does not unescape the "\;" of vCard 3.0.
				if got := strings.ReplaceAll(card.Value(vcard.FieldFormattedName), `\;`, ";"); got != c.DisplayName() {
					t.Errorf("card %d FN = %q, want %q", i, got, c.DisplayName())
				}
				if got, want := card.Value(vcard.FieldVersion), map[addressbook.Format]string{addressbook.FormatVCard4: "4.0", addressbook.FormatVCard3: "3.0"}[f]; got != want {
					t.Errorf("card %d VERSION = %q, want %q", i, got, want)
				}
			}
		})
	}
}

func TestExportSelect(t *testing.T) {
	for _, include := range []bool{false, true} {
		rec, err := addressbook.Export(&bytes.Buffer{}, addressbook.FormatVCard4, fixtureBook(), addressbook.ExportOptions{IncludeAutomated: include})
		if err != nil {
			t.Fatal(err)
		}
		want := len(fixtureBook().Contacts) - 1
		if include {
			want++
		}
		if rec.Contacts != want {
			t.Errorf("IncludeAutomated %v: Contacts = %d, want %d", include, rec.Contacts, want)
		}
	}
}

func TestExportShiftJIS(t *testing.T) {
	t.Run("unencodable is an error naming the contact", func(t *testing.T) {
		_, err := addressbook.Export(&bytes.Buffer{}, addressbook.FormatGoogleCSV, fixtureBook(), addressbook.ExportOptions{Encoding: addressbook.ShiftJIS})
		var ue *addressbook.UnencodableError
		if !errors.As(err, &ue) || ue.Contact != "zoe@example.fr" || ue.Char != 'ë' {
			t.Fatalf("Export() error = %v, want UnencodableError for zoe@example.fr", err)
		}
	})
	t.Run("replacement is reported", func(t *testing.T) {
		var buf bytes.Buffer
		rec, err := addressbook.Export(&buf, addressbook.FormatGoogleCSV, fixtureBook(), addressbook.ExportOptions{Encoding: addressbook.ShiftJIS, ReplaceUnencodable: true})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"zoe@example.fr"}; strings.Join(rec.Replaced, ",") != strings.Join(want, ",") {
			t.Errorf("Replaced = %q, want %q", rec.Replaced, want)
		}
		text, err := japanese.ShiftJIS.NewDecoder().Bytes(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"山田", "～,,髙橋", "Zoe,,?", "株式会社テスト 営業部", "info@例え.jp"} {
			if !strings.Contains(string(text), want) {
				t.Errorf("Shift_JIS export lacks %q", want)
			}
		}
	})
	t.Run("vcard refuses", func(t *testing.T) {
		if _, err := addressbook.Export(&bytes.Buffer{}, addressbook.FormatVCard3, fixtureBook(), addressbook.ExportOptions{Encoding: addressbook.ShiftJIS}); err == nil {
			t.Error("Export(vcard3, Shift_JIS) error = nil, want an error")
		}
	})
}

func TestExportFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "contacts.vcf")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 3, 8, 12, 0, 0, 0, time.UTC)
	rec, err := addressbook.ExportFile(context.Background(), path, addressbook.FormatVCard3, fixtureBook(),
		addressbook.ExportOptions{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatalf("ExportFile() error = %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	want := addressbook.ExportRecord{At: at, Format: addressbook.FormatVCard3, Path: path, Contacts: 11, SHA256: hex.EncodeToString(sum[:])}
	if rec.At != want.At || rec.Format != want.Format || rec.Path != want.Path || rec.Contacts != want.Contacts || rec.SHA256 != want.SHA256 {
		t.Errorf("ExportFile() = %+v, want %+v", rec, want)
	}
	if !bytes.Equal(data, export(t, addressbook.FormatVCard3, fixtureBook(), addressbook.ExportOptions{})) {
		t.Error("file differs from Export()")
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, %v, want 0600", fi.Mode(), err)
	}

	t.Run("failure leaves the old file", func(t *testing.T) {
		_, err := addressbook.ExportFile(context.Background(), path, addressbook.FormatGoogleCSV, fixtureBook(),
			addressbook.ExportOptions{Encoding: addressbook.ShiftJIS})
		if err == nil {
			t.Fatal("ExportFile() error = nil, want the Shift_JIS error")
		}
		if again, _ := os.ReadFile(path); !bytes.Equal(again, data) {
			t.Error("failed export changed the file")
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Errorf("folder holds %d entries, want only contacts.vcf (no temporary files)", len(entries))
		}
	})
	t.Run("error kinds", func(t *testing.T) {
		_, err := addressbook.ExportFile(context.Background(), filepath.Join(dir, "no", "such", "x.vcf"), addressbook.FormatVCard4, fixtureBook(), addressbook.ExportOptions{})
		if k := mailerr.KindOf(err); k != mailerr.BadInput {
			t.Errorf("missing folder: KindOf(%v) = %v, want bad-input", err, k)
		}
		_, err = addressbook.ExportFile(context.Background(), path, addressbook.FormatGoogleCSV, fixtureBook(), addressbook.ExportOptions{Encoding: addressbook.ShiftJIS})
		var ue *addressbook.UnencodableError
		if k := mailerr.KindOf(err); k != mailerr.BadInput || !errors.As(err, &ue) {
			t.Errorf("Shift_JIS: KindOf(%v) = %v, want bad-input wrapping *UnencodableError", err, k)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := addressbook.ExportFile(ctx, filepath.Join(dir, "x.vcf"), addressbook.FormatVCard4, fixtureBook(), addressbook.ExportOptions{}); !errors.Is(err, context.Canceled) {
			t.Errorf("ExportFile() error = %v, want context.Canceled", err)
		}
	})
}

func TestParseFormat(t *testing.T) {
	for _, f := range addressbook.Formats() {
		if got, err := addressbook.ParseFormat(strings.ToUpper(string(f))); got != f || err != nil {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
	if _, err := addressbook.ParseFormat("ldif"); err == nil {
		t.Error("ParseFormat(ldif) error = nil")
	}
}

func TestContactUID(t *testing.T) {
	c := &addressbook.Contact{Key: "hanako@example.jp", Emails: []string{"Hanako@example.jp"}}
	// Python: uuid.uuid5(uuid.NAMESPACE_URL, "mailto:hanako@example.jp")
	const want = "urn:uuid:1222c6cb-a7f3-5d26-a1ca-e8684501bb34"
	if got := addressbook.ContactUID(c); got != want {
		t.Errorf("ContactUID() = %q, want %q", got, want)
	}
}

func TestWriteTable(t *testing.T) {
	tests := []struct {
		name   string
		filter addressbook.TableFilter
	}{
		{"table.txt", addressbook.TableFilter{}},
		{"table-automated.txt", addressbook.TableFilter{IncludeAutomated: true}},
		{"table-query.txt", addressbook.TableFilter{Query: "YAMADA", Limit: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := addressbook.WriteTable(&buf, fixtureBook(), tt.filter); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, tt.name, buf.Bytes())
		})
	}
}
