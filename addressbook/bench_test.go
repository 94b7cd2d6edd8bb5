package addressbook_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/mailark/mailark/addressbook"
)

// syntheticMailbox makes n messages shaped like a small business's mailbox:
// about 300 correspondents whose names come as ASCII, UTF-8 and ISO-2022-JP
// encoded words and raw Shift_JIS; a fifth of the mail in the sent folder;
// newsletters with List-Id; Gmail-style copies in All Mail; and one message
// in 10,000 addressed to 2,000 people.
func syntheticMailbox(n int) []addressbook.Message {
	r := rand.New(rand.NewPCG(1, 2))
	family := []string{"山田", "鈴木", "佐藤", "田中", "高橋", "伊藤", "渡辺", "中村", "小林", "加藤"}
	given := []string{"花子", "太郎", "一郎", "次郎", "陽子", "恵美", "健", "翔太", "美咲", "大輔"}
	latin := []string{"Anna", "Ben", "Chloé", "David", "Emma", "Felix", "Grace", "Hugo", "Iris", "Jonas"}
	people := make([]string, 300) // ready-made header forms
	for i := range people {
		email := fmt.Sprintf("person%03d@client%02d.example.jp", i, i%40)
		jp := family[i%10] + " " + given[(i/10)%10]
		switch i % 5 {
		case 0:
			people[i] = fmt.Sprintf("%s %s <%s>", latin[i%10], latin[(i/10)%10], email)
		case 1:
			people[i] = "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(jp)) + "?= <" + email + ">"
		case 2:
			b, _ := japanese.ISO2022JP.NewEncoder().String(jp)
			people[i] = "=?ISO-2022-JP?B?" + base64.StdEncoding.EncodeToString([]byte(b)) + "?= <" + email + ">"
		case 3:
			b, _ := japanese.ShiftJIS.NewEncoder().String(jp)
			people[i] = `"` + b + `" <` + email + ">"
		default:
			people[i] = email
		}
	}
	var crowd strings.Builder
	for i := range 2000 {
		if i > 0 {
			crowd.WriteString(",\r\n ")
		}
		fmt.Fprintf(&crowd, "Member %d <member%d@big-list.example.org>", i, i)
	}
	self := "Hanako Yamada <me@old-isp.example.jp>"
	start := time.Date(2015, 1, 1, 9, 0, 0, 0, time.FixedZone("JST", 9*3600))
	msgs := make([]addressbook.Message, 0, n)
	for i := range n {
		p := func() string { return people[r.IntN(len(people))] }
		m := addressbook.Message{Folder: "INBOX", Role: "inbox", Date: start.Add(time.Duration(i) * 47 * time.Minute),
			ID: fmt.Sprintf("<%d@mail.example>", i)}
		var lines []string
		switch k := r.IntN(100); {
		case i%10000 == 5000:
			lines = []string{"From: " + self, "To: " + crowd.String()}
			m.Folder, m.Role = "Sent", "sent"
		case k < 20:
			lines = []string{"From: " + self, "To: " + p(), "Cc: " + p() + ", " + p()}
			m.Folder, m.Role = "Sent", "sent"
		case k < 27:
			lines = []string{"From: Shop News <news@shop" + fmt.Sprint(k) + ".example.com>", "To: " + self,
				"List-Id: <news.shop.example.com>", "List-Unsubscribe: <mailto:u@shop.example.com>", "Precedence: bulk"}
		case k < 30: // the All Mail copy of an earlier message
			m.Folder, m.Role = "[Gmail]/All Mail", "all"
			m.ID = fmt.Sprintf("<%d@mail.example>", r.IntN(i+1))
			lines = []string{"From: " + p(), "To: " + self}
		default:
			lines = []string{"From: " + p(), "To: " + self + ", " + p(), "Reply-To: " + p()}
			if k%3 == 0 {
				lines = append(lines, "Cc: "+p()+",\r\n "+p())
			}
		}
		m.AddrFields = hdr(lines...)
		msgs = append(msgs, m)
	}
	return msgs
}

// BenchmarkExtract measures extraction of 100,000 messages (one op = the
// whole mailbox); the target is under 2 s on the 2-core CI machine.
func BenchmarkExtract(b *testing.B) {
	msgs := syntheticMailbox(100_000)
	b.ReportAllocs()
	var book *addressbook.Book
	for b.Loop() {
		var err error
		book, err = addressbook.Extract(context.Background(), fixtureSeq(msgs), addressbook.Options{Self: []string{login}})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(book.Contacts)), "contacts")
}

// BenchmarkFromArchive adds reading the rows from SQLite.
func BenchmarkFromArchive(b *testing.B) {
	a := newArchive(b, "me@old-isp.example.jp", syntheticMailbox(100_000))
	var book *addressbook.Book
	for b.Loop() {
		var err error
		if book, err = addressbook.FromArchive(context.Background(), a, addressbook.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(book.Contacts)), "contacts")
}
