package mailstore

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/mailark/mailark/internal/archive"
)

// FuzzAppleEmlx reads any bytes as an .emlx and as a .partial.emlx with
// an attachment on disk: never a panic, and a whole .emlx whose count
// line is right gives back exactly the counted bytes. Seeds are in
// testdata/fuzz/FuzzAppleEmlx.
func FuzzAppleEmlx(f *testing.F) {
	f.Add([]byte("5\nabcde<?xml version=\"1.0\"?><plist><dict><key>flags</key><integer>3</integer></dict></plist>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		msgs := filepath.Join(root, "INBOX.mbox", "Messages")
		writeFile(t, filepath.Join(msgs, "1.emlx"), data)
		writeFile(t, filepath.Join(msgs, "2.partial.emlx"), data)
		writeFile(t, filepath.Join(root, "INBOX.mbox", "Attachments", "2", "2", "a.bin"), []byte("attachment\n"))
		writeFile(t, filepath.Join(root, "INBOX.mbox", "Attachments", "2", "1", "b.bin"), []byte("second\n"))
		fm := Lookup(archive.SourceAppleMail)
		s, err := fm.Probe(root)
		if err != nil || s == nil {
			t.Fatalf("Probe = %v, %v", s, err)
		}
		got := readAll(t, fm, s)
		if len(got) != 2 {
			t.Fatalf("read %d messages, want 2", len(got))
		}
		lay, err := readEmlxLayout(bytesReaderAt(data), int64(len(data)), "1.emlx")
		if (err == nil) != (got[0].err == nil) {
			t.Fatalf("layout error %v, read error %v", err, got[0].err)
		}
		if err == nil && string(got[0].body) != string(data[lay.msgOff:lay.msgOff+lay.msgLen]) {
			t.Fatalf("message bytes differ")
		}
	})
}

// FuzzApplePartial rebuilds any message as a partial one: never a panic,
// and a message with no X-Apple-Content-Length field comes back as it is.
func FuzzApplePartial(f *testing.F) {
	f.Add([]byte(partialStored))
	f.Add([]byte(partialWhole))
	f.Fuzz(func(t *testing.T, msg []byte) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "1", "x"), []byte("one\r\n"))
		writeFile(t, filepath.Join(dir, "2", "y"), []byte("two"))
		writeFile(t, filepath.Join(dir, "1.1", "z"), []byte("three"))
		p := planPartial(msg, dir)
		rc := p.open("fuzz")
		out, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(p.splices) == 0 && string(out) != string(msg) {
			t.Fatalf("no splice, but bytes changed")
		}
	})
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
