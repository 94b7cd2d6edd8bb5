package archive_test

import (
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/archive"
)

func TestMboxPath(t *testing.T) {
	tests := []struct {
		name, folder, delim, want string
	}{
		{"inbox", "INBOX", "/", "mbox/INBOX.mbox"},
		{"nested", "Archive/2019", "/", "mbox/Archive/2019.mbox"},
		{"dot delimiter", "INBOX.Sent", ".", "mbox/INBOX/Sent.mbox"},
		{"japanese", "取引先", "/", "mbox/取引先.mbox"},
		{"flat server keeps slash in a name", "a/b", "", "mbox/a%2Fb.mbox"},
		{"dot dot", "../../etc/passwd", "/", "mbox/%2E%2E/%2E%2E/etc/passwd.mbox"},
		{"windows reserved chars", `a<b>c:d"e|f?g*h\i`, "/", "mbox/a%3Cb%3Ec%3Ad%22e%7Cf%3Fg%2Ah%5Ci.mbox"},
		{"control chars", "a\x00b\nc\x7f", "/", "mbox/a%00b%0Ac%7F.mbox"},
		{"percent is escaped so names stay distinct", "100%", "/", "mbox/100%25.mbox"},
		{"trailing dot and space", "Notes. ", "/", "mbox/Notes%2E%20.mbox"},
		{"reserved device name", "con", "/", "mbox/%63on.mbox"},
		{"reserved device with extension", "LPT1.txt", "/", "mbox/%4CPT1.txt.mbox"},
		{"empty part", "a//b", "/", "mbox/a/%00empty/b.mbox"},
		{"invalid utf-8", "a\xffb", "/", "mbox/a%FFb.mbox"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := archive.MboxPath(tt.folder, tt.delim); got != tt.want {
				t.Errorf("MboxPath(%q, %q) = %q, want %q", tt.folder, tt.delim, got, tt.want)
			}
		})
	}
}

func TestMboxPathBounds(t *testing.T) {
	long := strings.Repeat("長", 300) // 900 bytes
	p := archive.MboxPath(long, "/")
	for _, part := range strings.Split(p, "/") {
		if len(part) > 210 {
			t.Errorf("part of %d bytes: %q", len(part), part)
		}
	}
	// Distinct long names stay distinct.
	if q := archive.MboxPath(long+"x", "/"); q == p {
		t.Errorf("two long names map to one file %q", p)
	}
	deep := strings.Repeat("d/", 10000) + "x"
	if got := archive.MboxPath(deep, "/"); len(got) > 4000 {
		t.Errorf("10,000 levels give a path of %d bytes", len(got))
	}
}
