package mailtext

import "golang.org/x/text/width"

// Width is the number of terminal columns s takes: East Asian wide and
// full-width characters take two (tables of Japanese names line up).
func Width(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// Truncate cuts s to at most n terminal columns, ending in "…" when cut.
func Truncate(s string, n int) string {
	if Width(s) <= n {
		return s
	}
	w := 0
	for i, r := range s {
		rw := Width(string(r))
		if w+rw > n-1 {
			return s[:i] + "…"
		}
		w += rw
	}
	return s
}
