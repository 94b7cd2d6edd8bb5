package archive_test

import (
	"path"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailark/mailark/internal/archive"
)

// FuzzFolderName checks that any folder name a server may send maps to a
// relative path inside mbox/: no "..", no absolute path, no control
// character, valid UTF-8, bounded length; and that two different names of
// ordinary length never share a file.
func FuzzFolderName(f *testing.F) {
	for _, s := range []string{"INBOX", "Archive/2019", "取引先", "../../etc/passwd", "/abs", "a\x00b", "CON", "x.",
		"a//b", "%2E%2E", "..", strings.Repeat("d/", 100), "\xff\xfe", "Sent Items", "[Gmail]/すべてのメール"} {
		f.Add(s, "/", "other")
	}
	f.Fuzz(func(t *testing.T, name, delim, other string) {
		if len(delim) > 1 {
			delim = delim[:1]
		}
		p := archive.MboxPath(name, delim)
		if !strings.HasPrefix(p, "mbox/") || !strings.HasSuffix(p, ".mbox") || path.Clean(p) != p {
			t.Fatalf("MboxPath(%q, %q) = %q: not a clean path under mbox/", name, delim, p)
		}
		for _, part := range strings.Split(p, "/") {
			if part == ".." || part == "." || part == "" {
				t.Fatalf("MboxPath(%q) = %q has element %q", name, p, part)
			}
			if len(part) > 220 {
				t.Fatalf("MboxPath(%q) has a %d-byte element", name, len(part))
			}
		}
		if !utf8.ValidString(p) || strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f || strings.ContainsRune(`\:*?"<>|`, r) }) {
			t.Fatalf("MboxPath(%q) = %q has unsafe characters", name, p)
		}
		if len(p) > 4096 {
			t.Fatalf("MboxPath(%q) is %d bytes", name, len(p))
		}
		if name != other && len(name) < 150 && len(other) < 150 && strings.Count(name, delim) < 6 && strings.Count(other, delim) < 6 {
			if q := archive.MboxPath(other, delim); q == p {
				t.Fatalf("MboxPath(%q) == MboxPath(%q) == %q", name, other, p)
			}
		}
	})
}
