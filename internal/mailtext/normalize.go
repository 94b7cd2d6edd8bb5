package mailtext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormalizeEmail reads one address (addr-spec) and returns its display form
// and its comparison key. Surrounding white space, angle brackets, a "mailto:"
// prefix and trailing dots are removed. The display form keeps the local part
// as written and has the domain in lower case, internationalised labels in
// Unicode. The key has the local part in lower case too (addresses differing
// only in case are one contact, as every mail system treats them) and the
// domain in ASCII (punycode). ok is false when s is not an address.
func NormalizeEmail(s string) (display, key string, ok bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "<")
	s = strings.TrimSuffix(s, ">")
	s = strings.TrimSpace(s)
	if len(s) > 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	s = strings.TrimRight(s, ". ")
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", "", false
	}
	local, domain := s[:at], s[at+1:]
	if !validLocal(local) {
		return "", "", false
	}
	if d, k, ok, fast := plainEmail(s, local, domain); fast {
		return d, k, ok
	}
	dDisplay, dKey, ok := normDomain(domain)
	if !ok {
		return "", "", false
	}
	return local + "@" + dDisplay, lowerLocal(local) + "@" + dKey, true
}

// plainEmail is the fast path for the common case, an ASCII domain with no
// "xn--" label: no allocation unless something is in upper case.
func plainEmail(s, local, domain string) (display, key string, ok, fast bool) {
	upperDomain := false
	for i := 0; i < len(domain); i++ {
		c := domain[i]
		switch {
		case c >= 0x80 || c == '[':
			return "", "", false, false
		case c >= 'A' && c <= 'Z':
			upperDomain = true
		case c == '-' && i >= 3 && (domain[i-3] == 'x' || domain[i-3] == 'X') && domain[i-1] == '-':
			return "", "", false, false // maybe "xn--"
		}
	}
	if !validASCIIDomain(domain) {
		return "", "", false, true
	}
	display = s
	if upperDomain {
		display = local + "@" + asciiLower(domain)
	}
	key = display
	for i := 0; i < len(local); i++ {
		if c := local[i]; c >= 0x80 || c >= 'A' && c <= 'Z' {
			key = lowerLocal(local) + display[len(local):]
			break
		}
	}
	return display, key, true, true
}

func lowerLocal(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return strings.ToLower(s)
		}
		if c >= 'A' && c <= 'Z' {
			return asciiLower(s)
		}
	}
	return s
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func validLocal(l string) bool {
	if l == "" {
		return false
	}
	if len(l) >= 2 && l[0] == '"' && l[len(l)-1] == '"' {
		for _, r := range l {
			if r < 0x20 || r == 0x7f || r == utf8.RuneError {
				return false
			}
		}
		return true
	}
	for _, r := range l {
		if r <= ' ' || r == 0x7f || r == utf8.RuneError || r >= 0x80 && r < 0xa0 || unicode.IsSpace(r) {
			return false
		}
		switch r {
		case '(', ')', '<', '>', '[', ']', ':', ';', '@', '\\', ',', '"':
			return false
		}
	}
	return true
}

var fullStops = strings.NewReplacer("\u3002", ".", "\uff0e", ".", "\uff61", ".")

// normDomain returns the display (Unicode) and key (ASCII) forms of a
// domain, both lower case, without trailing dots.
func normDomain(d string) (display, key string, ok bool) {
	d = strings.TrimRight(d, ".")
	if d == "" {
		return "", "", false
	}
	if d[0] == '[' { // domain literal
		if d[len(d)-1] != ']' || strings.ContainsAny(d[1:len(d)-1], "[]\\ \t") {
			return "", "", false
		}
		d = asciiLower(d)
		return d, d, true
	}
	ascii := true
	for i := 0; i < len(d); i++ {
		if d[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		d = asciiLower(d)
		if !validASCIIDomain(d) {
			return "", "", false
		}
		if !strings.Contains(d, "xn--") {
			return d, d, true
		}
		return unicodeDomain(d), d, true
	}
	// IDNA mapping, approximately: NFKC folds full-width letters and
	// ideographic full stops, then lower case.
	d = strings.ToLower(norm.NFKC.String(d))
	d = fullStops.Replace(d)
	d = strings.TrimRight(d, ".")
	labels := strings.Split(d, ".")
	keys := make([]string, len(labels))
	for i, l := range labels {
		if l == "" {
			return "", "", false
		}
		if isASCII(l) {
			if !validASCIIDomain(l) {
				return "", "", false
			}
			keys[i] = l
			continue
		}
		if !validUnicodeLabel(l) {
			return "", "", false
		}
		enc, err := punyEncode(l)
		if err != nil {
			return "", "", false
		}
		keys[i] = "xn--" + enc
	}
	key = strings.Join(keys, ".")
	return unicodeDomain(key), key, true
}

// validUnicodeLabel reports whether a label holding non-ASCII characters is
// acceptable: ASCII characters of a host name, and no controls, spaces or
// replacement characters.
func validUnicodeLabel(l string) bool {
	if l == "" {
		return false
	}
	for _, r := range l {
		if r < 0x80 {
			if !asciiDomainChar(byte(r)) {
				return false
			}
			continue
		}
		if r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u200b' {
			return false
		}
	}
	return true
}

func asciiDomainChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c >= 'A' && c <= 'Z'
}

func validASCIIDomain(d string) bool {
	prevDot := true
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c == '.' {
			if prevDot {
				return false
			}
			prevDot = true
			continue
		}
		if !asciiDomainChar(c) {
			return false
		}
		prevDot = false
	}
	return true
}

// unicodeDomain turns "xn--" labels of an ASCII domain back into Unicode for
// display; a label that does not decode stays as it is.
func unicodeDomain(d string) string {
	labels := strings.Split(d, ".")
	for i, l := range labels {
		if !strings.HasPrefix(l, "xn--") {
			continue
		}
		u, err := punyDecode(l[4:])
		if err != nil || isASCII(u) || !validUnicodeLabel(u) || strings.ContainsAny(u, "\u3002\uff0e\uff61") {
			continue
		}
		// Show Unicode only when it maps back to the same key, so that the
		// display form and the key always agree.
		if m := strings.ToLower(norm.NFKC.String(u)); m == u {
			if enc, err := punyEncode(u); err == nil && "xn--"+enc == l {
				labels[i] = u
			}
		}
	}
	return strings.Join(labels, ".")
}
