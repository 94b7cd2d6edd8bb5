package backup_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/mailtext"
	"github.com/mailark/mailark/internal/testmail"
)

// fixture is one message of the project's test mail, with the Subject a
// correct decoder gives when the fixture says ("" when it does not).
type fixture struct {
	name        string
	raw         []byte
	wantSubject string
}

// allFixtures gathers every mail fixture the project has: internal/testmail's
// charset and broken corpus, the demo account, the address decoder's charset
// cases (testdata/charsets.json, written by Python's codecs) as From and
// Subject, and the fuzz seeds of the header and address decoders.
func allFixtures(t *testing.T) []fixture {
	t.Helper()
	var out []fixture
	for _, f := range append(testmail.Charsets(), testmail.Broken()...) {
		want := f.Subject
		if f.Name == "unknown-charset" {
			// Deliberately more than the fixture asks: a word in an unknown
			// charset is guessed like raw bytes (here ASCII), as names are.
			want = "hello"
		}
		out = append(out, fixture{"testmail/" + f.Name, f.Raw, want})
	}
	for _, f := range demo.OldProvider().Folders {
		for i, m := range f.Messages {
			out = append(out, fixture{"demo/" + f.Name + "/" + strconv.Itoa(i), m.Raw, ""})
		}
	}
	data, err := os.ReadFile("../internal/mailtext/testdata/charsets.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct{ Name, Raw string }
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		v, err := base64.StdEncoding.DecodeString(c.Raw)
		if err != nil {
			t.Fatal(err)
		}
		msg := "From: " + string(v) + "\r\nSubject: " + string(v) + "\r\n\r\nbody\r\n"
		out = append(out, fixture{"charsets.json/" + c.Name, []byte(msg), ""})
	}
	for _, dir := range []string{"testdata/fuzz/FuzzDescribe", "../internal/mailtext/testdata/fuzz/FuzzDecodeAddress"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, p := range files {
			b := fuzzSeed(t, p)
			if strings.HasSuffix(dir, "Address") {
				b = append(append([]byte("From: "), b...), "\r\n\r\n"...)
			}
			out = append(out, fixture{p, b, ""})
		}
	}
	if len(out) < 100 {
		t.Fatalf("found only %d fixtures", len(out))
	}
	return out
}

// fuzzSeed reads a seed file of go test's fuzzing format holding one []byte.
func fuzzSeed(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, v, _ := strings.Cut(string(data), "\n")
	v = strings.TrimSpace(v)
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(v, "[]byte("), ")"))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return []byte(s)
}

// firstField returns the first raw value of a header field, as on the wire
// (still folded).
func firstField(raw []byte, name string) []byte {
	var value []byte
	found := false
	for _, line := range bytes.SplitAfter(raw, []byte("\n")) {
		if found {
			if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
				value = append(value, line...)
				continue
			}
			return value
		}
		if len(bytes.TrimSpace(line)) == 0 {
			return nil
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && strings.EqualFold(string(k), name) {
			value, found = append([]byte(nil), v...), true
		}
	}
	return value
}

// TestArchiveDecodesLikeBookAndWindow: on every fixture, the Subject and
// sender a backup stores are what the one decoder reads from the raw
// header, what the address book reads for the sender, and what the
// Archive window shows (mailtext.Who on the stored From). A fixture that
// says its Subject gets exactly that.
func TestArchiveDecodesLikeBookAndWindow(t *testing.T) {
	for _, f := range allFixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			var e archive.Entry
			backup.Describe(&e, f.raw)

			if f.wantSubject != "" && e.Subject != f.wantSubject {
				t.Errorf("archive Subject = %q, want %q", e.Subject, f.wantSubject)
			}
			if s := firstField(f.raw, "Subject"); s != nil {
				if want := mailtext.Text(s); e.Subject != want {
					t.Errorf("archive Subject = %q, the decoder reads %q", e.Subject, want)
				}
			}

			stored, ok := mailtext.First([]byte(e.From))
			raw := firstField(f.raw, "From")
			read, rawOK := mailtext.First(raw)
			if ok != rawOK || stored.Key != read.Key || stored.Name != read.Name {
				t.Fatalf("archive From %q reads as %+v, the raw header as %+v", e.From, stored, read)
			}
			if !ok {
				return
			}
			if w := mailtext.Who(e.From); w != stored.Name && w != stored.Email || w == "" {
				t.Errorf("the window shows %q for From %q", w, e.From)
			}
			if firstField(f.raw, "Return-Path") == nil && e.Sender != stored.Email {
				t.Errorf("envelope sender %q, From %q", e.Sender, stored.Email)
			}
			c := bookContact(t, e.AddrFields, stored.Key)
			if c == nil {
				t.Fatalf("the address book has no contact for the archive's sender %q (From %q)", stored.Email, e.From)
			}
			// The book tidies names (honorifics after a name go, a name that
			// is only the address is none): what is left is the archive's.
			if c.Name != "" && !strings.HasPrefix(stored.Name, c.Name) {
				t.Errorf("the address book names %s %q, the archive %q", stored.Email, c.Name, stored.Name)
			}
		})
	}
}

// bookContact builds the address book of one message and returns the
// contact with the key, or nil.
func bookContact(t *testing.T, addrFields []byte, key string) *addressbook.Contact {
	t.Helper()
	msg := addressbook.Message{Folder: "INBOX", Role: "inbox", ID: "m", AddrFields: addrFields}
	book, err := addressbook.Extract(context.Background(), func(yield func(addressbook.Message, error) bool) {
		yield(msg, nil)
	}, addressbook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range book.Contacts {
		if c.Key == key {
			return c
		}
	}
	return nil
}
