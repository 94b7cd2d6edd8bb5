package demo_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	_ "github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"

	"github.com/mailark/mailark/internal/demo"
)

// generated is one fresh generation shared by the tests that only read it.
var generated = sync.OnceValues(demo.Generate)

func digest(a *demo.Account) [32]byte {
	h := sha256.New()
	field := func(b []byte) {
		binary.Write(h, binary.BigEndian, uint64(len(b)))
		h.Write(b)
	}
	field([]byte(a.User))
	field([]byte(a.Password))
	for _, f := range a.Folders {
		field([]byte(f.Name))
		field([]byte(f.SpecialUse))
		for _, m := range f.Messages {
			field(m.Raw)
			field([]byte(strings.Join(m.Flags, " ")))
			field([]byte(m.InternalDate.Format(time.RFC3339Nano)))
		}
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

func TestOldProviderCounts(t *testing.T) {
	a := demo.OldProvider()
	if a.User != "demo@old-isp.example" || a.Password == "" {
		t.Errorf("login = %q/%q, want demo@old-isp.example and a password", a.User, a.Password)
	}
	if n := a.MessageCount(); n < 500 {
		t.Errorf("MessageCount() = %d, want >= 500", n)
	}
	if len(a.Folders) < 7 {
		t.Errorf("len(Folders) = %d, want >= 7", len(a.Folders))
	}
	var total int64
	for _, f := range a.Folders {
		for _, m := range f.Messages {
			total += int64(len(m.Raw))
		}
	}
	if got := a.TotalBytes(); got != total || got == 0 {
		t.Errorf("TotalBytes() = %d, want %d", got, total)
	}
	for _, name := range []string{"INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive", "Archive/2019", "取引先", "取引先/見積"} {
		f := a.Folder(name)
		if f == nil {
			t.Errorf("Folder(%q) = nil, want a folder", name)
			continue
		}
		if len(f.Messages) == 0 {
			t.Errorf("Folder(%q) has no messages", name)
		}
	}
	uses := map[string]string{}
	for _, f := range a.Folders {
		if f.SpecialUse != "" {
			uses[f.SpecialUse] = f.Name
		}
	}
	for _, u := range []string{`\Sent`, `\Drafts`, `\Trash`, `\Junk`, `\Archive`} {
		if uses[u] == "" {
			t.Errorf("no folder with special use %s", u)
		}
	}
	// The table in doc.go.
	want := []struct {
		name, use string
		n         int
	}{
		{"INBOX", "", 248}, {"Sent", `\Sent`, 138}, {"Drafts", `\Drafts`, 8}, {"Trash", `\Trash`, 32}, {"Junk", `\Junk`, 26},
		{"Archive", `\Archive`, 6}, {"Archive/2019", "", 70}, {"取引先", "", 62}, {"取引先/見積", "", 25},
	}
	if len(a.Folders) != len(want) {
		t.Errorf("%d folders, want %d", len(a.Folders), len(want))
	}
	for i, f := range a.Folders {
		if i < len(want) && (f.Name != want[i].name || f.SpecialUse != want[i].use || len(f.Messages) != want[i].n) {
			t.Errorf("Folders[%d] = %s %s with %d messages, want %s %s with %d (update doc.go)", i, f.Name, f.SpecialUse, len(f.Messages), want[i].name, want[i].use, want[i].n)
		}
	}
	t.Logf("total %d messages, %d bytes", a.MessageCount(), a.TotalBytes())
}

func TestOldProviderDeterministic(t *testing.T) {
	first, _ := generated()
	second, _ := demo.Generate()
	if digest(first) != digest(second) {
		t.Fatal("two generations differ")
	}
	if digest(demo.OldProvider()) != digest(first) {
		t.Fatal("OldProvider() differs from a fresh generation")
	}
}

func TestOldProviderReturnsCopy(t *testing.T) {
	a := demo.OldProvider()
	want := digest(a)
	a.Folders[0].Messages[0].Raw[0] = 'X'
	a.Folders[0].Messages[0].Flags = append(a.Folders[0].Messages[0].Flags, "$Changed")
	a.Folders = a.Folders[:1]
	if got := digest(demo.OldProvider()); got != want {
		t.Error("changing one OldProvider() result changed the next")
	}
}

// TestMessagesParse reads every message as an archive would.
func TestMessagesParse(t *testing.T) {
	a, subjects := generated()
	ids := map[string]string{}
	for i, f := range a.Folders {
		var prev time.Time
		for j, m := range f.Messages {
			where := fmt.Sprintf("%s #%d", f.Name, j+1)
			raw := m.Raw
			if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) ||
				bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\r")) ||
				!bytes.HasSuffix(raw, []byte("\r\n")) {
				t.Errorf("%s: line ends are not all CRLF", where)
			}
			if m.InternalDate.Before(prev) {
				t.Errorf("%s: internal date %v before the previous message's %v", where, m.InternalDate, prev)
			}
			prev = m.InternalDate
			if y := m.InternalDate.Year(); y < 2019 || y > 2026 {
				t.Errorf("%s: internal date %v, want 2019–2026", where, m.InternalDate)
			}
			if m.InternalDate.Nanosecond() != 0 {
				t.Errorf("%s: internal date %v has fractions of a second", where, m.InternalDate)
			}

			header, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
			for _, line := range bytes.Split(header, []byte("\r\n")) {
				if bytes.IndexFunc(line, func(r rune) bool { return r >= 0x80 }) < 0 {
					continue
				}
				// Only the raw Shift_JIS names are 8-bit on purpose.
				if !(bytes.HasPrefix(line, []byte("From: ")) || bytes.HasPrefix(line, []byte("To: ")) || bytes.HasPrefix(line, []byte("Cc: "))) || utf8.Valid(line) {
					t.Errorf("%s: 8-bit header line %q", where, line)
				}
			}
			r, err := mail.CreateReader(bytes.NewReader(raw))
			if err != nil {
				t.Errorf("%s: CreateReader() = %v", where, err)
				continue
			}
			subject, err := r.Header.Subject()
			if err != nil || subject != subjects[i][j] {
				t.Errorf("%s: Subject() = %q, %v, want %q", where, subject, err, subjects[i][j])
			}
			date, err := r.Header.Date()
			if d := m.InternalDate.Sub(date); err != nil || d < 0 || d > 2*time.Minute {
				t.Errorf("%s: Date() = %v, %v; internal date %v, want within 2 minutes after", where, date, err, m.InternalDate)
			}
			id, err := r.Header.MessageID()
			if err != nil || id == "" {
				t.Errorf("%s: MessageID() = %q, %v", where, id, err)
			} else if other, ok := ids[id]; ok && !(f.Name == "取引先" && strings.HasPrefix(other, "INBOX")) {
				t.Errorf("%s: Message-ID %s also in %s", where, id, other)
			} else {
				ids[id] = where
			}
			for _, key := range []string{"From", "To", "Cc"} {
				if _, err := r.Header.AddressList(key); err != nil && !raw8bit(r.Header.Get(key)) {
					t.Errorf("%s: AddressList(%s) = %v", where, key, err)
				}
			}
			for {
				p, err := r.NextPart()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Errorf("%s: NextPart() = %v", where, err)
					break
				}
				body, err := io.ReadAll(p.Body)
				if err != nil {
					t.Errorf("%s: reading a part: %v", where, err)
				}
				ct, _, _ := p.Header.(interface {
					ContentType() (string, map[string]string, error)
				}).ContentType()
				if strings.HasPrefix(ct, "text/") && !utf8.Valid(body) {
					t.Errorf("%s: %s part does not decode to UTF-8", where, ct)
				}
				if ah, ok := p.Header.(*mail.AttachmentHeader); ok && strings.HasPrefix(ah.Get("Content-Disposition"), "attachment") {
					if name, err := ah.Filename(); err != nil || name == "" || strings.Contains(name, "=?") {
						t.Errorf("%s: attachment Filename() = %q, %v", where, name, err)
					}
				}
			}
		}
	}
}

// raw8bit reports whether a header value holds 8-bit bytes that are not
// UTF-8: the raw Shift_JIS names the demo has on purpose.
func raw8bit(s string) bool { return !utf8.ValidString(s) }

// TestFeatures checks that the demo holds every kind of mail it promises.
func TestFeatures(t *testing.T) {
	a, subjects := generated()
	features := []struct {
		name string
		re   string // matched against each raw message
	}{
		{"ISO-2022-JP encoded word", `(?m)^Subject: =\?ISO-2022-JP\?B\?`},
		{"ISO-2022-JP body", `charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n[^\r]*\x1b\$B`},
		{"Shift_JIS encoded word", `=\?Shift_JIS\?B\?`},
		{"Shift_JIS body", `charset="?Shift_JIS`},
		{"EUC-JP encoded word", `=\?EUC-JP\?B\?`},
		{"EUC-JP body", `charset=EUC-JP\r\nContent-Transfer-Encoding: 8bit`},
		{"UTF-8 B encoded word", `=\?UTF-8\?B\?`},
		{"UTF-8 Q encoded word", `=\?UTF-8\?Q\?`},
		{"quoted name with comma", `(?m)^From: "[^"]+, [^"]+" <`},
		{"several To addresses", `(?m)^To: [^\r\n]*,\r?\n? *[^\r\n]*@`},
		{"Cc", `(?m)^Cc: `},
		{"Reply-To", `(?m)^Reply-To: `},
		{"In-Reply-To and References", `(?m)^References: <`},
		{"multipart/mixed with a base64 PDF", `application/pdf;[\s\S]*Content-Transfer-Encoding: base64`},
		{"PNG attachment", `Content-Type: image/png`},
		{"RFC 2231 file name", `filename\*=UTF-8''%`},
		{"RFC 2047 file name", `filename="=\?`},
		{"multipart/alternative with HTML", `multipart/alternative;[\s\S]*Content-Type: text/html`},
		{"List-Id", `(?m)^List-Id: `},
		{"List-Unsubscribe", `(?m)^List-Unsubscribe: `},
		{"Precedence: bulk", `(?m)^Precedence: bulk`},
		{"noreply sender", `(?m)^From: .*no-?reply@`},
		{"mailer-daemon bounce", `(?m)^From: MAILER-DAEMON@[\s\S]*multipart/report`},
		{"body line starting with From", `\r\n\r\n[\s\S]*\r\nFrom `},
		{"alias address", `hanako@old-isp\.example`},
		{"undisclosed recipients", `(?m)^To: undisclosed-recipients:;`},
		{"GB2312", `=\?GB2312\?B\?`},
		{"windows-1251", `=\?windows-1251\?B\?`},
	}
	for _, f := range features {
		t.Run(f.name, func(t *testing.T) {
			re := regexp.MustCompile(f.re)
			for _, folder := range a.Folders {
				for _, m := range folder.Messages {
					if re.Match(m.Raw) {
						return
					}
				}
			}
			t.Errorf("no message matches %s", f.re)
		})
	}

	t.Run("raw 8-bit Shift_JIS display name", func(t *testing.T) {
		for _, folder := range a.Folders {
			for _, m := range folder.Messages {
				r, err := mail.CreateReader(bytes.NewReader(m.Raw))
				if err != nil {
					continue
				}
				if from := r.Header.Get("From"); !utf8.ValidString(from) {
					return
				}
			}
		}
		t.Error("no From field with raw 8-bit bytes")
	})
	t.Run("big attachments", func(t *testing.T) {
		n := 0
		for _, folder := range a.Folders {
			for _, m := range folder.Messages {
				if len(m.Raw) > 130<<10 {
					n++
				}
			}
		}
		if n < 3 {
			t.Errorf("%d messages over 130 KB, want >= 3", n)
		}
	})
	t.Run("years", func(t *testing.T) {
		years := map[int]bool{}
		for _, folder := range a.Folders {
			for _, m := range folder.Messages {
				years[m.InternalDate.Year()] = true
			}
		}
		for y := 2019; y <= 2026; y++ {
			if !years[y] {
				t.Errorf("no message from %d", y)
			}
		}
	})
	t.Run("Japanese search words", func(t *testing.T) {
		for _, w := range []string{"会議の件", "見積", "請求"} {
			found := false
			for _, s := range subjects {
				for _, subj := range s {
					found = found || strings.Contains(subj, w)
				}
			}
			if !found {
				t.Errorf("no Subject contains %q", w)
			}
		}
	})
}

// TestJapaneseSubjects checks the classic encodings by hand.
func TestJapaneseSubjects(t *testing.T) {
	a, subjects := generated()
	for _, charset := range []string{"ISO-2022-JP", "Shift_JIS", "EUC-JP"} {
		t.Run(charset, func(t *testing.T) {
			n := 0
			for i, f := range a.Folders {
				for j, m := range f.Messages {
					header, _, _ := bytes.Cut(m.Raw, []byte("\r\n\r\n"))
					if !bytes.Contains(header, []byte("\r\nSubject: =?"+charset+"?B?")) {
						continue
					}
					r, err := mail.CreateReader(bytes.NewReader(m.Raw))
					if err != nil {
						t.Fatalf("CreateReader() = %v", err)
					}
					got, err := r.Header.Subject()
					if err != nil || got != subjects[i][j] || !hasJapanese(got) {
						t.Errorf("%s #%d: Subject() = %q, %v, want %q", f.Name, j+1, got, err, subjects[i][j])
					}
					n++
				}
			}
			if n < 10 {
				t.Errorf("%d subjects in %s, want >= 10", n, charset)
			}
		})
	}
}

func hasJapanese(s string) bool {
	for _, r := range s {
		if r >= 0x3040 && r <= 0x9fff {
			return true
		}
	}
	return false
}
