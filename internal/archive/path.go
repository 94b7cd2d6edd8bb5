package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"
)

const (
	maxPartBytes = 200
	maxDepth     = 8
)

// MboxPath returns the relative, '/'-separated path of a folder's mbox file
// as docs/archive.md describes: one path element per hierarchy level, each
// made safe for Linux, macOS and Windows. It does not look at collisions;
// Archive does.
func MboxPath(name, delimiter string) string {
	var parts []string
	if delimiter == "" {
		parts = []string{name}
	} else {
		parts = strings.Split(name, delimiter)
	}
	// Deeper than maxDepth, the rest of the name becomes one element, so a
	// hostile server's 10,000 levels cannot make an unusable path.
	if len(parts) > maxDepth {
		parts = append(parts[:maxDepth-1], strings.Join(parts[maxDepth-1:], delimiter))
	}
	for i, p := range parts {
		parts[i] = safePart(p)
	}
	return MboxDir + "/" + strings.Join(parts, "/") + ".mbox"
}

// safePart encodes one path element.
func safePart(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		c := p[i]
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, "%%%02X", c)
		case size == 1 && (c < 0x20 || c == 0x7f || strings.IndexByte(`<>:"/\|?*%`, c) >= 0):
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteString(p[i : i+size])
		}
		i += size
	}
	s := b.String()
	// A trailing dot or space vanishes on Windows: encode the whole run.
	j := len(s)
	for j > 0 && (s[j-1] == '.' || s[j-1] == ' ') {
		j--
	}
	if j < len(s) && j > 0 {
		var t strings.Builder
		t.WriteString(s[:j])
		for _, ch := range []byte(s[j:]) {
			fmt.Fprintf(&t, "%%%02X", ch)
		}
		s = t.String()
	}
	switch {
	case s == "":
		s = "%00empty"
	case strings.Trim(s, ". ") == "":
		// Only dots and spaces: ".", "..", "...".
		var t strings.Builder
		for _, ch := range []byte(s) {
			fmt.Fprintf(&t, "%%%02X", ch)
		}
		s = t.String()
	case isReservedWindowsName(s):
		s = fmt.Sprintf("%%%02X", s[0]) + s[1:]
	}
	if len(s) > maxPartBytes {
		sum := sha256.Sum256([]byte(p))
		cut := maxPartBytes - 9
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		// Do not cut through a %XX escape.
		if k := strings.LastIndexByte(s[:cut], '%'); k >= 0 && k > cut-3 {
			cut = k
		}
		s = s[:cut] + "~" + hex.EncodeToString(sum[:4])
	}
	return s
}

func isReservedWindowsName(s string) bool {
	base := strings.ToUpper(s)
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	base = strings.TrimRight(base, " ")
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) {
		d := base[3]
		return d >= '1' && d <= '9'
	}
	return false
}

// withSuffix puts " (n)" before ".mbox".
func withSuffix(path string, n int) string {
	return strings.TrimSuffix(path, ".mbox") + fmt.Sprintf(" (%d).mbox", n)
}

// retiredPath names an older generation's file.
func retiredPath(path string, uidvalidity uint32) string {
	return strings.TrimSuffix(path, ".mbox") + fmt.Sprintf(".uidvalidity-%d.mbox", uidvalidity)
}
