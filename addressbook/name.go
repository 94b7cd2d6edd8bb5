package addressbook

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Japanese honorifics written after a name in To lines ("山田 花子 様"): the
// person's name is the part before them.
var honorifics = []string{"様", "さま", "サマ", "殿", "御中", "さん"}

// personName tidies a decoded display name before it is counted: trailing
// honorifics go, and a "name" that is only the address (or empty
// punctuation) is no name.
func personName(name, email string) string {
	for changed := true; changed; {
		changed = false
		for _, h := range honorifics {
			if rest, ok := strings.CutSuffix(name, h); ok && strings.TrimSpace(rest) != "" {
				name, changed = strings.TrimSpace(rest), true
			}
		}
	}
	name = strings.Trim(name, " '\"<>")
	if name == "" || strings.EqualFold(name, email) {
		return ""
	}
	if at := strings.LastIndexByte(email, '@'); at > 0 && strings.EqualFold(name, email[:at]+"@"+strings.ToLower(email[at+1:])) {
		return ""
	}
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return name
		}
	}
	return ""
}

// NameParts is a display name split for the structured fields of vCard (N)
// and the name columns of the CSV formats.
type NameParts struct {
	Family, Given, Middle string
}

// SplitName splits a display name. Mail gives one string, so this guesses,
// and only where the guess is safe:
//
//   - A name with Japanese, Chinese or Korean characters and exactly two
//     words is family name first: "山田 花子" is family 山田, given 花子. With
//     one word ("山田花子"), or more than two, or a company word (株式会社, ㈱,
//     事務所, ...), nothing is split: the whole name is the given name, which
//     every importer shows as is.
//   - Latin names are in Western order: "Hanako Yamada" is given Hanako,
//     family Yamada, and "Yamada Hanako" is given Yamada, family Hanako, as
//     nothing tells the two apart, except two conventions: "Yamada, Hanako"
//     (comma: family first) and "YAMADA Hanako" (a first word in capitals:
//     family first). Words between the first and the last are middle names.
//   - A name that looks like a company (Inc., Ltd., GmbH, ...) or an address,
//     or is one word, is not split: the whole name is the given name.
//
// Parenthesised parts ("Taro Yamada (Sales)") are left out of the split.
// The full display name always goes to FN / the display columns unchanged.
func SplitName(name string) NameParts {
	name = strings.TrimSpace(name)
	if name == "" {
		return NameParts{}
	}
	whole := NameParts{Given: name}
	if strings.ContainsAny(name, "@;") {
		return whole
	}
	core := strings.TrimSpace(stripBrackets(name))
	if core == "" {
		return whole
	}
	if hasCJK(core) {
		for _, w := range cjkCompanyWords {
			if strings.Contains(core, w) {
				return whole
			}
		}
		words := strings.Fields(core)
		if len(words) == 2 {
			return NameParts{Family: words[0], Given: words[1]}
		}
		return whole
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(core), func(r rune) bool { return r == ' ' || r == ',' }) {
		if latinCompanyWords[strings.TrimRight(w, ".")] {
			return whole
		}
	}
	if strings.Count(core, ",") == 1 {
		fam, giv, _ := strings.Cut(core, ",")
		fam, giv = strings.TrimSpace(fam), strings.TrimSpace(giv)
		if fam != "" && giv != "" && len(strings.Fields(fam)) <= 2 && len(strings.Fields(giv)) <= 2 {
			return NameParts{Family: fam, Given: giv}
		}
		return whole
	}
	if strings.Contains(core, ",") {
		return whole
	}
	words := strings.Fields(core)
	if len(words) < 2 {
		return whole
	}
	if len(words) == 2 && isAllCaps(words[0]) && !isAllCaps(words[1]) {
		return NameParts{Family: words[0], Given: words[1]}
	}
	return NameParts{
		Given:  words[0],
		Middle: strings.Join(words[1:len(words)-1], " "),
		Family: words[len(words)-1],
	}
}

var cjkCompanyWords = []string{
	"株式会社", "有限会社", "合同会社", "合資会社", "(株)", "（株）", "㈱", "(有)", "（有）", "㈲",
	"事務所", "協会", "組合", "法人", "大学", "病院", "センター", "事務局", "営業部", "総務部", "支店", "支社",
}

var latinCompanyWords = map[string]bool{
	"inc": true, "ltd": true, "llc": true, "gmbh": true, "corp": true, "co": true, "corporation": true,
	"company": true, "k.k": true, "plc": true, "s.a": true, "ag": true, "team": true, "support": true,
	"jr": true, "sr": true, "phd": true, "md": true, "ii": true, "iii": true,
}

func hasCJK(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
			unicode.Is(unicode.Hangul, r) {
			return true
		}
	}
	return false
}

func isAllCaps(w string) bool {
	if utf8.RuneCountInString(w) < 2 {
		return false
	}
	for _, r := range w {
		if !unicode.IsUpper(r) && r != '-' && r != '\'' {
			return false
		}
	}
	return true
}

// stripBrackets removes (...), （...）, [...], 【...】 and <...> parts.
func stripBrackets(s string) string {
	pairs := map[rune]rune{'(': ')', '（': '）', '[': ']', '【': '】', '<': '>', '［': '］'}
	var b strings.Builder
	var close rune
	for _, r := range s {
		switch {
		case close != 0:
			if r == close {
				close = 0
				b.WriteByte(' ')
			}
		case pairs[r] != 0:
			close = pairs[r]
		default:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
