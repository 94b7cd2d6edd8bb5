package mailstore

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/mailark/mailark/internal/archive"
)

// FuzzBeckyBMF reads any bytes as a .bmf file (never a panic), and any
// message written as Becky! writes it comes back as it was. Seeds are in
// testdata/fuzz/FuzzBeckyBMF.
func FuzzBeckyBMF(f *testing.F) {
	f.Add([]byte("Subject: a\r\n\r\n..\r\n.\r\n"), []byte("Subject: b\r\n\r\n.\r\n"))
	f.Fuzz(func(t *testing.T, raw, msg []byte) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "a.bmf"), raw)
		writeFile(t, filepath.Join(dir, "b", "b.bmf"), bmfBytes(msg))
		writeFile(t, filepath.Join(dir, "#Attach", "x"), []byte("attached"))
		fm := Lookup(archive.SourceBecky)
		s, err := fm.Probe(dir)
		if err != nil || s == nil {
			t.Fatalf("Probe = %v, %v", s, err)
		}
		got := readAll(t, fm, s)
		if bytes.Contains(bytes.ToLower(msg), []byte("x-becky-include")) {
			return
		}
		var b []readMsg
		for _, m := range got {
			if m.folder == "b" {
				b = append(b, m)
			}
		}
		if len(b) != 1 || !bytes.Equal(b[0].body, beckyWant(msg)) {
			t.Fatalf("round trip of %q gave %d messages", msg, len(b))
		}
	})
}
