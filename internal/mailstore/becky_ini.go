package mailstore

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

// Becky! writes its settings and folder lists in the Windows "ANSI" code
// page, which for its users is Shift_JIS (Windows-31J). A file that is
// valid UTF-8 (later versions, or a copy converted on the way) is kept as
// it is.

// decodeANSI turns a Becky! text file's bytes into UTF-8.
func decodeANSI(b []byte) string {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if utf8.Valid(b) {
		return string(b)
	}
	s, err := japanese.ShiftJIS.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}

// iniFile is a parsed INI file: section (lower case) → key (lower case)
// → value.
type iniFile map[string]map[string]string

func parseINI(text string) iniFile {
	out := iniFile{}
	sec := ""
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || line[0] == ';' {
			continue
		}
		if line[0] == '[' && strings.HasSuffix(line, "]") {
			sec = strings.ToLower(strings.TrimSpace(line[1 : len(line)-1]))
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if out[sec] == nil {
			out[sec] = map[string]string{}
		}
		out[sec][strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	return out
}

// get returns the value of key in section, "" if absent.
func (f iniFile) get(section, key string) string {
	return f[strings.ToLower(section)][strings.ToLower(key)]
}

// any returns the value of key in the first section that has it (in
// sorted order of section names, for a stable answer).
func (f iniFile) any(key string) string {
	key = strings.ToLower(key)
	best, bestSec := "", ""
	found := false
	for sec, kv := range f {
		if v, ok := kv[key]; ok && (!found || sec < bestSec) {
			best, bestSec, found = v, sec, true
		}
	}
	return best
}
