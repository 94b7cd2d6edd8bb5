package mailtext_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/emersion/go-message/mail"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/mailark/mailark/internal/mailtext"
)

// aliasCase is one charset label real mail uses, the text written in it, the
// encoding that writes it, and Python's codec for the same bytes.
type aliasCase struct {
	label, text string
	enc         encoding.Encoding
	py          string
}

var aliasCases = []aliasCase{
	{"cp50220", "山田 太郎", japanese.ISO2022JP, "iso2022_jp"},
	{"CP50221", "山田 太郎", japanese.ISO2022JP, "iso2022_jp"},
	{"iso-2022-jp-ms", "山田 ①㈱", japanese.ISO2022JP, ""}, // Python cannot write the NEC row,
	{"x-ms-cp932", "山田 ㈱髙", japanese.ShiftJIS, "cp932"},
	{"sjis-win", "山田 ①", japanese.ShiftJIS, "cp932"},
	{"Windows-31J", "山田 ～", japanese.ShiftJIS, "cp932"},
	{"cp932", "山田", japanese.ShiftJIS, "cp932"},
	{"shift_jis", "山田", japanese.ShiftJIS, "shift_jis"},
	{"euc-jp", "山田", japanese.EUCJP, "euc_jp"},
	{"iso-2022-jp", "山田", japanese.ISO2022JP, "iso2022_jp"},
	{"ks_c_5601-1987", "김철수", korean.EUCKR, "euc_kr"},
	{"euc-kr", "김철수", korean.EUCKR, "euc_kr"},
	{"gb2312", "王小明", simplifiedchinese.HZGB2312, ""}, // see below: gb2312 on the wire is EUC-CN
	{"gbk", "王小明", simplifiedchinese.GBK, "gbk"},
	{"gb18030", "王小明 €", simplifiedchinese.GB18030, "gb18030"},
	{"big5", "王小明", traditionalchinese.Big5, "big5"},
	{"iso-8859-1", "François Müller", charmap.ISO8859_1, "iso8859_1"},
	{"iso-8859-2", "Łukasz Wróbel", charmap.ISO8859_2, "iso8859_2"},
	{"iso-8859-5", "Иван", charmap.ISO8859_5, "iso8859_5"},
	{"iso-8859-7", "Γιώργος", charmap.ISO8859_7, "iso8859_7"},
	{"iso-8859-9", "Işık", charmap.ISO8859_9, "iso8859_9"},
	{"iso-8859-15", "Zoë €", charmap.ISO8859_15, "iso8859_15"},
	{"windows-1250", "Łukasz Wróbel", charmap.Windows1250, "cp1250"},
	{"windows-1251", "Иван Петров", charmap.Windows1251, "cp1251"},
	{"windows-1252", "Zoë “quoted” €", charmap.Windows1252, "cp1252"},
	{"windows-1253", "Γιώργος", charmap.Windows1253, "cp1253"},
	{"windows-1254", "Işık", charmap.Windows1254, "cp1254"},
	{"windows-1257", "Jānis", charmap.Windows1257, "cp1257"},
	{"koi8-r", "Иван", charmap.KOI8R, "koi8_r"},
}

func init() {
	// GB2312 in mail is EUC-CN, which GBK's encoder writes for GB2312 text.
	for i := range aliasCases {
		if aliasCases[i].label == "gb2312" {
			aliasCases[i].enc, aliasCases[i].py = simplifiedchinese.GBK, "gb2312"
		}
	}
}

func word(label string, b []byte) string {
	return "=?" + label + "?B?" + base64.StdEncoding.EncodeToString(b) + "?="
}

// TestCharsetAliases: every label decodes, the same way in a Subject, in an
// address list's name and through go-message (which uses CharsetReader).
func TestCharsetAliases(t *testing.T) {
	for _, c := range aliasCases {
		t.Run(c.label, func(t *testing.T) {
			if mailtext.Lookup(c.label) == nil {
				t.Fatalf("Lookup(%q) = nil", c.label)
			}
			b, err := c.enc.NewEncoder().Bytes([]byte(c.text))
			if err != nil {
				t.Fatalf("encode %q: %v", c.text, err)
			}
			checkDecodes(t, c.label, b, c.text)
		})
	}
}

func checkDecodes(t *testing.T, label string, b []byte, want string) {
	t.Helper()
	w := word(label, b)
	if got := mailtext.Text([]byte(w)); got != want {
		t.Errorf("Text(%s) = %q, want %q", w, got, want)
	}
	as, err := mailtext.ParseAddressList([]byte(w + " <a@example.jp>"))
	if err != nil || len(as) != 1 || as[0].Name != want {
		t.Errorf("ParseAddressList(%s <a@example.jp>) = %+v, %v, want name %q", w, as, err, want)
	}
	var h mail.Header
	h.Set("Subject", w)
	if got, err := h.Subject(); err != nil || got != want {
		t.Errorf("go-message Subject(%s) = %q, %v, want %q", w, got, err, want)
	}
}

// python returns the interpreter named by MAILARK_PYTHON, or skips.
func python(t *testing.T) string {
	t.Helper()
	py := os.Getenv("MAILARK_PYTHON")
	if py == "" {
		if strings.Contains(os.Getenv("MAILARK_TEST_NO_SKIP"), "python") {
			t.Fatal("MAILARK_PYTHON is not set")
		}
		t.Skip("MAILARK_PYTHON is not set")
	}
	return py
}

func runPython(t *testing.T, script string, in any) []byte {
	t.Helper()
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python(t), "-c", script)
	cmd.Stdin = strings.NewReader(string(data))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	return out
}

// TestCharsetAliasesPython: the bytes come from Python's codecs, an
// implementation independent of x/text; where Python knows the label too,
// its email package decodes the word to the same text.
func TestCharsetAliasesPython(t *testing.T) {
	const script = `
import base64, codecs, json, sys
from email.header import decode_header, make_header
out = []
for label, text, codec in json.load(sys.stdin):
    b = text.encode(codec)
    w = "=?%s?B?%s?=" % (label, base64.b64encode(b).decode())
    try:
        codecs.lookup(label)
        dec = str(make_header(decode_header(w)))
    except LookupError:
        dec = None
    out.append([base64.b64encode(b).decode(), dec])
json.dump(out, sys.stdout)
`
	var cases []aliasCase
	var in [][3]string
	for _, c := range aliasCases {
		if c.py != "" {
			cases = append(cases, c)
			in = append(in, [3]string{c.label, c.text, c.py})
		}
	}
	var res [][2]*string
	if err := json.Unmarshal(runPython(t, script, in), &res); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		t.Run(c.label, func(t *testing.T) {
			b, _ := base64.StdEncoding.DecodeString(*res[i][0])
			checkDecodes(t, c.label, b, c.text)
			if pyText := res[i][1]; pyText != nil && *pyText != c.text {
				t.Errorf("Python decodes %s to %q, want %q", word(c.label, b), *pyText, c.text)
			}
		})
	}
}
