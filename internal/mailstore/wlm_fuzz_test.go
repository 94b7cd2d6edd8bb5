package mailstore

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/mailark/mailark/internal/archive"
)

// FuzzWLM reads any bytes as an .oeaccount file and as an .eml message:
// never a panic, and the message comes back exactly. Seeds are in
// testdata/fuzz/FuzzWLM.
func FuzzWLM(f *testing.F) {
	f.Add([]byte("<MessageAccount><POP3_Server>pop.example.com</POP3_Server></MessageAccount>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		parseOEAccount(data)
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "a.oeaccount"), data)
		writeFile(t, filepath.Join(dir, "Inbox", "1.eml"), data)
		fm := Lookup(archive.SourceWindowsLiveMail)
		s, err := fm.Probe(dir)
		if err != nil {
			t.Fatal(err)
		}
		if s == nil {
			return
		}
		got := readAll(t, fm, s)
		if len(got) != 1 || !bytes.Equal(got[0].body, data) {
			t.Fatalf("message not given back exactly")
		}
	})
}

// TestWriteWLMSeeds (re)writes the checked-in seeds when MAILARK_WRITE_SEEDS is set.
func TestWriteWLMSeeds(t *testing.T) {
	if !seedsWanted() {
		t.Skip("set MAILARK_WRITE_SEEDS=1 to rewrite the fuzz seeds")
	}
	writeSeeds(t, "FuzzWLM", [][]byte{
		oeaccount(t, `<Account_Name type="SZ">a</Account_Name><IMAP_Server type="SZ">imap.example.com</IMAP_Server>`),
		{0xff, 0xfe, '<', 0},
		[]byte("<?xml version=\"1.0\"?><MessageAccount><POP3_Server>&#xD800;</POP3_Server><x><y><z>"),
		[]byte("\xef\xbb\xbf<a>\x00\xff</a>"),
	})
}
