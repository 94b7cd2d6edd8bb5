package mailtext_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/mail"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailark/mailark/internal/mailtext"
)

type charsetCase struct {
	Name      string `json:"name"`
	Raw       string `json:"raw"` // base64
	WantName  string `json:"want_name"`
	WantEmail string `json:"want_email"`
}

// loadCharsetCases reads testdata/charsets.json, made by gen_charsets.py with
// Python's codecs, so the decoder is checked against another implementation.
func loadCharsetCases(tb testing.TB) []charsetCase {
	tb.Helper()
	data, err := os.ReadFile("testdata/charsets.json")
	if err != nil {
		tb.Fatal(err)
	}
	var cases []charsetCase
	if err := json.Unmarshal(data, &cases); err != nil {
		tb.Fatal(err)
	}
	return cases
}

func mustB64(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestParseAddressListCharsets(t *testing.T) {
	for _, c := range loadCharsetCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			raw := mustB64(t, c.Raw)
			got, err := mailtext.ParseAddressList(raw)
			if err != nil {
				t.Errorf("ParseAddressList(%q) error = %v, want nil", raw, err)
			}
			want := []mailtext.Address{{Name: c.WantName, Email: c.WantEmail, Key: c.WantEmail}}
			if !equalAddrs(got, want) {
				t.Errorf("ParseAddressList(%q) = %+v, want %+v", raw, got, want)
			}
		})
	}
}

func equalAddrs(a, b []mailtext.Address) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func addr(name, email string) mailtext.Address {
	_, key, _ := mailtext.NormalizeEmail(email)
	return mailtext.Address{Name: name, Email: email, Key: key}
}

func stray(email string) mailtext.Address {
	a := addr("", email)
	a.Stray = true
	return a
}

func TestParseAddressList(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		want      []mailtext.Address
		malformed bool
	}{
		{"plain", `Taro Yamada <taro@example.jp>`, []mailtext.Address{addr("Taro Yamada", "taro@example.jp")}, false},
		{"bare", `taro@example.jp`, []mailtext.Address{addr("", "taro@example.jp")}, false},
		{"bare with comment name", `taro@example.jp (Taro Yamada)`, []mailtext.Address{addr("Taro Yamada", "taro@example.jp")}, false},
		{"quoted comma", `"Yamada, Taro" <taro@example.jp>, b@example.com`,
			[]mailtext.Address{addr("Yamada, Taro", "taro@example.jp"), addr("", "b@example.com")}, false},
		{"unquoted comma", `Yamada, Taro <taro@example.jp>, b@example.com`,
			[]mailtext.Address{addr("Yamada, Taro", "taro@example.jp"), addr("", "b@example.com")}, false},
		{"group", `Team: a@example.com, "B" <b@example.com>;, c@example.com`,
			[]mailtext.Address{addr("", "a@example.com"), addr("B", "b@example.com"), addr("", "c@example.com")}, false},
		{"empty group", `undisclosed-recipients:;`, nil, false},
		{"domain case", `<Taro@Example.JP.>`, []mailtext.Address{{Email: "Taro@example.jp", Key: "taro@example.jp"}}, false},
		{"duplicate merged", `a@example.com, "A" <A@EXAMPLE.COM>`, []mailtext.Address{{Name: "A", Email: "a@example.com", Key: "a@example.com"}}, false},
		{"quoted local part", `"john doe"@example.com`, []mailtext.Address{addr("", `"john doe"@example.com`)}, false},
		{"source route", `<@relay.example:taro@example.jp>`, []mailtext.Address{addr("", "taro@example.jp")}, false},
		{"folded", "Taro\r\n Yamada <taro@example.jp>,\r\n\thanako@example.jp", []mailtext.Address{addr("Taro Yamada", "taro@example.jp"), addr("", "hanako@example.jp")}, false},
		{"ew whitespace between words dropped", `=?UTF-8?Q?Taro?= =?UTF-8?Q?_Yamada?= <t@example.jp>`, []mailtext.Address{addr("Taro Yamada", "t@example.jp")}, false},
		{"ew next to text keeps space", `=?UTF-8?Q?Taro?= Yamada <t@example.jp>`, []mailtext.Address{addr("Taro Yamada", "t@example.jp")}, false},
		{"ew with comma inside", `=?UTF-8?Q?Yamada,_Taro?= <t@example.jp>`, []mailtext.Address{addr("Yamada, Taro", "t@example.jp")}, false},
		{"ew base64 without padding", `=?UTF-8?B?5bGx55Sw?= <t@example.jp>`, []mailtext.Address{addr("山田", "t@example.jp")}, false},
		{"ew lower-case q and language", `=?utf-8*ja?q?=E5=B1=B1=E7=94=B0?= <t@example.jp>`, []mailtext.Address{addr("山田", "t@example.jp")}, false},
		{"ew in comment", `t@example.jp (=?UTF-8?B?5bGx55Sw?=)`, []mailtext.Address{addr("山田", "t@example.jp")}, false},
		{"honorific kept by the decoder", `=?UTF-8?B?5bGx55SwIOanmA==?= <t@example.jp>`, []mailtext.Address{addr("山田 様", "t@example.jp")}, false},
		{"idn unicode", `<taro@例え.JP>`, []mailtext.Address{{Email: "taro@例え.jp", Key: "taro@xn--r8jz45g.jp"}}, false},
		{"idn punycode", `<taro@XN--R8JZ45G.jp>`, []mailtext.Address{{Email: "taro@例え.jp", Key: "taro@xn--r8jz45g.jp"}}, false},
		{"mailto", `<mailto:taro@example.jp>`, []mailtext.Address{addr("", "taro@example.jp")}, false},
		{"name is the address", `"taro@example.jp" <taro@example.jp>`, []mailtext.Address{addr("", "taro@example.jp")}, false},
		{"single-quoted name", `'Taro Yamada' <taro@example.jp>`, []mailtext.Address{addr("Taro Yamada", "taro@example.jp")}, false},

		// Broken input: best readable result, every address kept.
		{"unterminated quote", `"Taro <taro@example.jp>, hanako@example.jp`,
			[]mailtext.Address{addr("Taro", "taro@example.jp"), addr("", "hanako@example.jp")}, true},
		{"unterminated angle", `Taro <taro@example.jp, hanako@example.jp`,
			[]mailtext.Address{addr("Taro", "taro@example.jp"), addr("", "hanako@example.jp")}, true},
		{"missing comma", `<a@example.com> <b@example.com> c@example.com`,
			[]mailtext.Address{addr("", "a@example.com"), addr("", "b@example.com"), addr("", "c@example.com")}, true},
		{"name without brackets", `Taro Yamada taro@example.jp`, []mailtext.Address{addr("Taro Yamada", "taro@example.jp")}, true},
		{"whole entry in one encoded word", `=?UTF-8?Q?Taro_Yamada_<taro@example.jp>?=`, []mailtext.Address{addr("Taro Yamada", "taro@example.jp")}, true},
		{"address in display name", `"info@shop.example.jp" <noreply@mailer.example.net>`,
			[]mailtext.Address{addr("info@shop.example.jp", "noreply@mailer.example.net"), stray("info@shop.example.jp")}, false},
		{"two at signs", `a@b@example.com`, []mailtext.Address{stray("b@example.com")}, true},
		{"garbage around", `)))<<<taro@example.jp>>>,,,;;`, []mailtext.Address{stray("taro@example.jp")}, true},
		{"unknown charset latin1", "=?x-mac-weird?Q?Fran=E7ois?= <f@example.fr>", []mailtext.Address{addr("François", "f@example.fr")}, false},
		{"broken base64", `=?UTF-8?B?5bGx55S?= <t@example.jp>`, []mailtext.Address{addr("山\ufffd", "t@example.jp")}, false},
		{"unterminated encoded word", `=?UTF-8?B?5bGx55Sw <t@example.jp>`, []mailtext.Address{addr("=?UTF-8?B?5bGx55Sw", "t@example.jp")}, false},
		{"nul and control bytes", "Ta\x00ro\x01 <taro@example.jp>", []mailtext.Address{addr("Ta ro", "taro@example.jp")}, false},
		{"invalid utf-8 in mostly utf-8", "山田\xff太郎 <t@example.jp>", []mailtext.Address{addr("山田\ufffd太郎", "t@example.jp")}, false},
		{"empty", ``, nil, false},
		{"only spaces", " \r\n ", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mailtext.ParseAddressList([]byte(tt.in))
			if !equalAddrs(got, tt.want) {
				t.Errorf("ParseAddressList(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if malformed := errors.Is(err, mailtext.ErrMalformed); malformed != tt.malformed {
				t.Errorf("ParseAddressList(%q) error = %v, want malformed %v", tt.in, err, tt.malformed)
			}
		})
	}
}

// TestParseAddressListMatchesNetMail checks that on well-formed input the
// lenient parser reads what net/mail reads.
func TestParseAddressListMatchesNetMail(t *testing.T) {
	inputs := []string{
		`Taro Yamada <taro@example.jp>`,
		`"Yamada, Taro" <taro@example.jp>, Hanako <hanako@example.jp>`,
		`a@example.com, b@example.com (Bee), "C \"Q\" D" <c@example.com>`,
		`Group: a@example.com, b@example.com;, d@example.com`,
		`=?UTF-8?B?5bGx55SwIOiKseWtkA==?= <h@example.jp>`,
		`=?ISO-8859-1?Q?Fran=E7ois?= <f@example.fr>`,
		`John.Doe <john.doe@example.com>`,
		`"john doe"@example.com`,
		`<x@[192.0.2.1]>`,
	}
	for _, in := range inputs {
		t.Run(in, func(t *testing.T) {
			want, err := (&mail.AddressParser{}).ParseList(in)
			if err != nil {
				t.Fatalf("net/mail: %v", err)
			}
			got, err := mailtext.ParseAddressList([]byte(in))
			if err != nil {
				t.Errorf("ParseAddressList(%q) error = %v", in, err)
			}
			if len(got) != len(want) {
				t.Fatalf("ParseAddressList(%q) = %+v, net/mail %+v", in, got, want)
			}
			for i := range want {
				if got[i].Name != want[i].Name || !strings.EqualFold(strings.ReplaceAll(got[i].Email, `"`, ""), want[i].Address) {
					t.Errorf("address %d = %q <%s>, net/mail %q <%s>", i, got[i].Name, got[i].Email, want[i].Name, want[i].Address)
				}
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, display, key string
		ok               bool
	}{
		{"Taro@Example.JP", "Taro@example.jp", "taro@example.jp", true},
		{" <taro@example.jp.> ", "taro@example.jp", "taro@example.jp", true},
		{"mailto:taro@example.jp", "taro@example.jp", "taro@example.jp", true},
		{"taro@例え.jp", "taro@例え.jp", "taro@xn--r8jz45g.jp", true},
		{"taro@ＥＸＡＭＰＬＥ。ｊｐ", "taro@example.jp", "taro@example.jp", true},
		{"info@bücher.de", "info@bücher.de", "info@xn--bcher-kva.de", true},
		{"info@xn--bcher-kva.de", "info@bücher.de", "info@xn--bcher-kva.de", true},
		{"a@münchen.DE", "a@münchen.de", "a@xn--mnchen-3ya.de", true},
		{"a@xn--zz.de", "a@xn--zz.de", "a@xn--zz.de", true},       // not valid punycode: kept as is
		{"0@Xn--0A.jp", "0@xn--0a.jp", "0@xn--0a.jp", true},       // punycode of a control character: not shown decoded (fuzz)
		{"a@xn--abc-.jp", "a@xn--abc-.jp", "a@xn--abc-.jp", true}, // punycode of plain ASCII: not shown decoded
		{"Ünal@example.com", "Ünal@example.com", "ünal@example.com", true},
		{`"a b"@example.com`, `"a b"@example.com`, `"a b"@example.com`, true},
		{"x@[192.0.2.1]", "x@[192.0.2.1]", "x@[192.0.2.1]", true},
		{"", "", "", false},
		{"taro", "", "", false},
		{"@example.jp", "", "", false},
		{"taro@", "", "", false},
		{"ta ro@example.jp", "", "", false},
		{"taro@exa mple.jp", "", "", false},
		{"taro@example..jp", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, k, ok := mailtext.NormalizeEmail(tt.in)
			if d != tt.display || k != tt.key || ok != tt.ok {
				t.Errorf("NormalizeEmail(%q) = %q, %q, %v, want %q, %q, %v", tt.in, d, k, ok, tt.display, tt.key, tt.ok)
			}
		})
	}
}

// tokenRE is the fuzz property's own definition of an address-shaped token
// (the decoder implements it separately): a run of [A-Za-z0-9._%+=~-]
// before an '@', then at least two labels of [A-Za-z0-9-] joined by dots.
var tokenRE = regexp.MustCompile(`[A-Za-z0-9._%+=~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+`)

// rawTokens finds the tokens in raw header bytes, word by word (words split
// at white space and control bytes; a word with an 8-bit byte or an escape
// may be Japanese text and is skipped). Every '@' is tried, so overlapping
// tokens ("a@b.c@d.e") all count.
func rawTokens(b []byte) []string {
	var out []string
	words := strings.FieldsFunc(string(b), func(r rune) bool {
		return r <= ' ' && r != 0x1b || r == 0x7f
	})
	for _, w := range words {
		if strings.ContainsAny(w, "\x1b") || !isASCII(w) || !strings.Contains(w, "@") {
			continue
		}
		for i := 0; i < len(w); i++ {
			if w[i] != '@' {
				continue
			}
			l := i
			for l > 0 && strings.IndexByte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+=~-", w[l-1]) >= 0 {
				l--
			}
			if loc := tokenRE.FindStringIndex(w[l:]); loc != nil && loc[0] == 0 && loc[1] > i-l+1 {
				out = append(out, w[l:l+loc[1]])
			}
		}
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func FuzzDecodeAddress(f *testing.F) {
	for _, c := range loadCharsetCases(f) {
		f.Add(mustB64(f, c.Raw))
	}
	for _, s := range []string{
		`Taro Yamada <taro@example.jp>`,
		`"Yamada, Taro" <taro@example.jp>, b@example.com`,
		`Yamada, Taro <taro@example.jp>`,
		`Team: a@example.com, "B" <b@example.com>;`,
		`undisclosed-recipients:;`,
		`"unterminated <a@example.com>, b@example.com`,
		`(nested (comment) a@example.com) b@example.com`,
		`=?UTF-8?Q?Taro_Yamada_<taro@example.jp>?=`,
		`=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <t@example.jp>`,
		`=?CP932?B?jlKTYw==?= <t@example.jp>`,
		`=?unknown?B?////?= <t@example.jp>`,
		"\x1b$B;3ED\x1b(B <jis@example.jp>",
		"\x83\x5c\x83\x74\x83\x67 <sjis@example.jp>",
		`a@b@c.example.com`,
		`bounces+foo=bar.example.com@lists.example.com`,
		`<@relay.example:taro@example.jp>`,
		`"john doe"@example.com`,
		`x@[IPv6:::1], y@example.com`,
		`<taro@例え.jp>, taro@xn--r8jz45g.jp`,
		`=?UTF-8?B?` + strings.Repeat("5bGx", 50) + `?=`,
		strings.Repeat("a@example.com,", 50),
		"\xff\xfe\x00<a@example.com>",
		// Shapes that once took quadratic time (an unterminated comment
		// searched to the end again at every '(', a name pieced together
		// across thousands of commas): they must stay fast.
		strings.Repeat("(", 5000) + "a@example.com",
		strings.Repeat("a,", 5000) + "<a@example.com>",
		strings.Repeat("=?a?b?", 2000),
		strings.Repeat("[", 5000) + "a@example.com",
		strings.Repeat("<", 5000) + "a@example.com",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, _ := mailtext.ParseAddressList(in) // must not panic
		keys := make(map[string]bool, len(got))
		for _, a := range got {
			if !utf8.ValidString(a.Name) || !utf8.ValidString(a.Email) {
				t.Fatalf("ParseAddressList(%q) gave invalid UTF-8: %+v", in, a)
			}
			if a.Email == "" || a.Key == "" {
				t.Fatalf("ParseAddressList(%q) gave an empty address: %+v", in, a)
			}
			_, k, ok := mailtext.NormalizeEmail(a.Email)
			if !ok || k != a.Key {
				t.Fatalf("NormalizeEmail(%q) = %q, %v; the parser's key is %q", a.Email, k, ok, a.Key)
			}
			if keys[a.Key] {
				t.Fatalf("ParseAddressList(%q) gave %q twice", in, a.Key)
			}
			keys[a.Key] = true
		}
		for _, tok := range rawTokens(in) {
			_, k, ok := mailtext.NormalizeEmail(tok)
			if !ok {
				t.Fatalf("NormalizeEmail(%q) rejected an address-shaped token", tok)
			}
			if !keys[k] {
				t.Fatalf("ParseAddressList(%q) dropped %q: got %+v", in, tok, got)
			}
		}
	})
}
