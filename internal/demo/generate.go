package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Folder indexes in the generated account, in the order they are listed.
const (
	fInbox = iota
	fSent
	fDrafts
	fTrash
	fJunk
	fArchive
	fArchive2019
	fClients
	fQuotes
)

// genMsg is a generated message with the Subject it should decode to.
type genMsg struct {
	Message
	subject string
}

// ref is what a reply needs to know about the message it answers.
type ref struct {
	id, refs string // Message-ID and References of the message
	subject  string // decoded
	date     time.Time
	name     string
	addr     string
	text     string // decoded plain text, for quoting
}

type gen struct {
	r       *rand.Rand
	folders []struct {
		name, use string
		msgs      []genMsg
	}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, jst) }

// generate builds the demo account from a fixed seed. It returns the
// intended Subject of every message too, for tests.
func generate() (*Account, [][]string) {
	g := &gen{r: rand.New(rand.NewPCG(20190107, 20260301))}
	for _, f := range [][2]string{
		{"INBOX", ""}, {"Sent", `\Sent`}, {"Drafts", `\Drafts`}, {"Trash", `\Trash`}, {"Junk", `\Junk`},
		{"Archive", `\Archive`}, {"Archive/2019", ""}, {"取引先", ""}, {"取引先/見積", ""},
	} {
		g.folders = append(g.folders, struct {
			name, use string
			msgs      []genMsg
		}{name: f[0], use: f[1]})
	}
	companies := make([]int, 0, len(clients))
	all := make([]int, 0, len(clients))
	for i := range clients {
		all = append(all, i)
		if clients[i].Org != "" {
			companies = append(companies, i)
		}
	}
	g.conversations(fArchive2019, 70, day(2019, 1, 7), day(2019, 12, 20), all, false)
	g.conversations(fArchive, 6, day(2019, 1, 7), day(2019, 12, 20), all, false)
	g.conversations(fClients, 60, day(2020, 1, 6), day(2025, 12, 20), companies, false)
	g.conversations(fQuotes, 25, day(2020, 1, 6), day(2025, 12, 20), companies, true)
	g.conversations(fInbox, 185, day(2020, 1, 6), day(2026, 2, 25), all, false)
	g.conversations(fTrash, 10, day(2021, 1, 4), day(2025, 12, 20), all, false)
	g.automated(fInbox, 60, day(2020, 1, 1), day(2026, 2, 27))
	g.automated(fTrash, 22, day(2024, 1, 1), day(2026, 2, 27))
	g.bounces()
	g.spams(fJunk, 26, day(2025, 9, 1), day(2026, 2, 27))
	g.drafts(fDrafts, 8, day(2025, 10, 1), day(2026, 2, 27))
	g.copies()

	a := &Account{User: OldProviderUser, Password: OldProviderPassword}
	subjects := make([][]string, len(g.folders))
	for i, f := range g.folders {
		slices.SortStableFunc(f.msgs, func(x, y genMsg) int { return x.InternalDate.Compare(y.InternalDate) })
		folder := Folder{Name: f.name, SpecialUse: f.use, Messages: make([]Message, len(f.msgs))}
		for j, m := range f.msgs {
			folder.Messages[j] = m.Message
			subjects[i] = append(subjects[i], m.subject)
		}
		a.Folders = append(a.Folders, folder)
	}
	return a, subjects
}

func (g *gen) put(folder int, m genMsg) {
	g.folders[folder].msgs = append(g.folders[folder].msgs, m)
}

func (g *gen) chance(percent int) bool { return g.r.IntN(100) < percent }

func pick[T any](g *gen, s []T) T { return s[g.r.IntN(len(s))] }

// when returns a moment between from and to, on a working day during
// office hours in loc, at second precision.
func (g *gen) when(from, to time.Time, loc *time.Location) time.Time {
	t := from.Add(time.Duration(g.r.Int64N(int64(to.Sub(from))))).In(loc)
	if wd := t.Weekday(); (wd == time.Saturday || wd == time.Sunday) && g.chance(85) {
		t = t.AddDate(0, 0, 2)
	}
	h := 9 + g.r.IntN(10)
	if g.chance(8) {
		h = 20 + g.r.IntN(4) // late at night
	}
	return time.Date(t.Year(), t.Month(), t.Day(), h, g.r.IntN(60), g.r.IntN(60), 0, loc)
}

// later returns a moment 20 minutes to 30 hours after t, in loc, moved
// to the next morning if it falls in the night there.
func (g *gen) later(t time.Time, loc *time.Location) time.Time {
	l := t.Add(20*time.Minute + time.Duration(g.r.Int64N(int64(30*time.Hour)))).Truncate(time.Second).In(loc)
	if h := l.Hour(); h < 8 {
		l = l.Add(time.Duration(9-h) * time.Hour)
	} else if h >= 23 {
		l = l.Add(10 * time.Hour)
	}
	return l
}

// delivered returns when the owner's server received mail sent at t.
func (g *gen) delivered(t time.Time) time.Time {
	return t.Add(time.Duration(2+g.r.IntN(90)) * time.Second).In(jst)
}

func (g *gen) hex(n int) string {
	const digits = "0123456789ABCDEF"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

func (g *gen) alnum(n int) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.IntN(len(digits))]
	}
	return string(b)
}

func domainOf(addr string) string { return addr[strings.LastIndexByte(addr, '@')+1:] }

// messageID makes a Message-ID in the style of the sender's program.
func (g *gen) messageID(p *person, t time.Time, addr string) string {
	switch p.Mailer {
	case mOutlook:
		return "<TYCPR01MB" + g.hex(8) + g.hex(8) + "@TYCPR01MB" + g.hex(4) + ".jpnprd01.prod.outlook.com>"
	case mApple, mPhone:
		return "<" + g.hex(8) + "-" + g.hex(4) + "-" + g.hex(4) + "-" + g.hex(4) + "-" + g.hex(12) + "@" + domainOf(addr) + ">"
	case "":
		return "<CA" + g.alnum(40) + "@mail.webmail.example>"
	default:
		return "<" + t.UTC().Format("20060102150405") + "." + g.hex(8) + "@" + domainOf(addr) + ">"
	}
}

func (g *gen) boundary(p *person) string {
	switch p.Mailer {
	case mOutlook, mOE:
		return "----=_NextPart_000_" + g.hex(4) + "_" + g.hex(8) + "." + g.hex(8)
	case mApple, mPhone:
		return "Apple-Mail=_" + g.hex(8) + "-" + g.hex(4) + "-" + g.hex(4) + "-" + g.hex(4) + "-" + g.hex(12)
	case "":
		return "000000000000" + strings.ToLower(g.hex(16))
	default:
		return "------------" + g.alnum(24)
	}
}

// received is the trace field the owner's server adds on delivery.
func (g *gen) received(fromAddr, forAddr string, at time.Time) string {
	host := "mail." + domainOf(fromAddr)
	return fmt.Sprintf("Received: from %s (%s [203.0.113.%d])\r\n\tby mx.old-isp.example (Postfix) with ESMTPS id %s\r\n\tfor <%s>; %s",
		host, host, 1+g.r.IntN(250), g.hex(10), forAddr, dateHeader(at, true))
}

// fill replaces the topic placeholders.
func fill(s string, to, from, org string, t time.Time, n int) string {
	d := t.AddDate(0, 0, 7)
	prev := t.AddDate(0, -1, 0)
	return strings.NewReplacer(
		"{to}", to, "{from}", from, "{org}", org, "{n}", strconv.Itoa(n),
		"{date}", fmt.Sprintf("%d月%d日（%s）", d.Month(), d.Day(), weekdayJa[d.Weekday()]),
		"{month}", strconv.Itoa(int(prev.Month())),
		"{month_en}", prev.Format("January 2006"),
	).Replace(s)
}

func fillEn(s string, to, from, org string, t time.Time, n int) string {
	d := t.AddDate(0, 0, 7)
	s = strings.ReplaceAll(s, "{date}", d.Format("Monday, January 2"))
	return fill(s, to, from, org, t, n)
}

// quote formats the answered text the way the owner's program does.
func quote(ja bool, parent ref) string {
	var b strings.Builder
	if ja {
		fmt.Fprintf(&b, "\n%s、%s さんは書きました:\n", parent.date.In(jst).Format("2006/01/02 15:04"), parent.name)
	} else {
		fmt.Fprintf(&b, "\nOn %s, %s <%s> wrote:\n", parent.date.Format("Mon, Jan 2, 2006 at 3:04 PM"), parent.name, parent.addr)
	}
	for _, l := range strings.Split(strings.TrimSuffix(parent.text, "\n"), "\n") {
		if l == "" || strings.HasPrefix(l, ">") {
			b.WriteString(">" + l + "\n")
		} else {
			b.WriteString("> " + l + "\n")
		}
	}
	return b.String()
}

func reSubject(s string) string {
	for _, p := range []string{"Re: ", "RE: ", "Re:", "RE:"} {
		s = strings.TrimPrefix(s, p)
	}
	return "Re: " + s
}

func refsOf(parent *ref) (inReplyTo, refs string) {
	if parent == nil {
		return "", ""
	}
	if parent.refs == "" {
		return parent.id, parent.id
	}
	return parent.id, parent.refs + "\r\n " + parent.id
}
