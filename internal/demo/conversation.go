package demo

import (
	"strings"
	"time"
)

// switchedToUTF8 is when the owner's mail program started writing UTF-8
// instead of ISO-2022-JP.
var switchedToUTF8 = day(2022, 4, 1)

// jaName is the name a person signs Japanese mail with.
func (p *person) jaName() string {
	if isASCII(p.Name) && p.Alt != "" && !isASCII(p.Alt) {
		return p.Alt
	}
	return p.Name
}

func (p *person) signature() string {
	if p.Ja {
		s := "\n--\n"
		if p.Org != "" {
			s += p.Org + "\n"
		}
		return s + p.jaName() + "\nTEL: 03-5555-" + strings.Repeat(string(rune('1'+len(p.Email)%9)), 4) + "\n"
	}
	s := "\n-- \n" + p.Name + "\n"
	if p.Org != "" {
		s += p.Org + "\n"
	}
	return s
}

func ownerSignature(ja bool) string {
	if ja {
		return "\n--\n" + ownerOrg + "\n" + ownerName + "\nTEL: " + ownerPhone + "\n" + ownerSiteURL + "\n"
	}
	return "\n-- \n" + ownerNameEn + "\n" + ownerOrgEn + ", Tokyo\n" + ownerSiteURL + "\n"
}

// topicsFor returns the topics that fit a folder.
func topicsFor(ts []topic, quotesOnly bool) []topic {
	if !quotesOnly {
		return ts
	}
	var out []topic
	for _, t := range ts {
		if t.Quote {
			out = append(out, t)
		}
	}
	return out
}

// conversations fills folder with n messages from clients: mail they
// started, the owner's replies (in Sent) and their follow-ups, or mail the
// owner started (in Sent) and their answers.
func (g *gen) conversations(folder, n int, from, to time.Time, people []int, quotesOnly bool) {
	cts := topicsFor(clientTopics, quotesOnly)
	ots := topicsFor(ownerTopics, quotesOnly)
	for count := 0; count < n; {
		p := &clients[pick(g, people)]
		date := g.when(from, to, p.TZ)
		if g.chance(15) {
			sent, sref := g.ownerMail(p, "", pick(g, ots), date, nil)
			g.put(fSent, sent)
			if g.chance(70) {
				in, _ := g.clientMail(p, topic{}, g.later(date, p.TZ), &sref)
				g.put(folder, in)
				count++
			}
			continue
		}
		in, iref := g.clientMail(p, pick(g, cts), date, nil)
		if g.chance(30) {
			in.Flags = append(in.Flags, `\Answered`)
			sent, sref := g.ownerMail(p, "", topic{}, g.later(date, jst), &iref)
			g.put(fSent, sent)
			if g.chance(30) && count+1 < n {
				f, _ := g.clientMail(p, topic{}, g.later(sent.InternalDate, p.TZ), &sref)
				g.put(folder, f)
				count++
			}
		}
		g.put(folder, in)
		count++
	}
}

// seenFlags returns the flags of received mail dated t.
func (g *gen) seenFlags(t time.Time) []string {
	var f []string
	if t.Before(day(2026, 2, 16)) || g.chance(40) {
		f = append(f, `\Seen`)
	}
	if g.chance(5) {
		f = append(f, `\Flagged`)
	}
	if g.chance(3) {
		f = append(f, "$Forwarded")
	}
	return f
}

// clientMail writes mail from p to the owner: on topic t, or, with parent
// set, a short answer to the owner's mail.
func (g *gen) clientMail(p *person, t topic, date time.Time, parent *ref) (genMsg, ref) {
	addr := p.addr(date)
	name := p.Name
	if p.Alt != "" && g.chance(20) {
		name = p.Alt // written from their phone
	}
	n := 2 + g.r.IntN(8)
	var subject, body string
	if p.Ja {
		if parent != nil {
			subject = reSubject(parent.subject)
			body = ownerFamily + "様\n\nお世話になっております。\n" + p.jaName() + "です。\n\n" + pick(g, followLinesJa) + "\n引き続きよろしくお願いいたします。\n"
		} else {
			subject = fill(t.Ja, ownerFamily, p.jaName(), p.Org, date, n)
			body = fill(t.JaBody, ownerFamily, p.jaName(), p.Org, date, n)
		}
	} else {
		if parent != nil {
			subject = reSubject(parent.subject)
			body = "Hi Hanako,\n\n" + pick(g, followLinesEn) + "\n\n" + p.first() + "\n"
		} else {
			subject = fillEn(t.En, "Hanako", p.first(), p.Org, date, n)
			body = fillEn(t.EnBody, "Hanako", p.first(), p.Org, date, n)
		}
	}
	if p.Mailer == mOutlook && strings.HasPrefix(subject, "Re: ") {
		subject = "RE: " + strings.TrimPrefix(subject, "Re: ")
	}
	body += p.signature()
	if parent != nil {
		body += quote(p.Ja, *parent)
	}

	rcpt := ownerAddr
	if g.chance(15) {
		rcpt = ownerAlias
	}
	toName := ownerName
	switch {
	case !p.Ja:
		toName = ownerNameEn
	case g.chance(10):
		toName = ownerOrg + " " + ownerFamily + "様"
	case g.chance(10):
		toName = ""
	}
	tos := []string{mailbox(p.Hdr, toName, rcpt)}
	var ccs []string
	for _, c := range p.Colls {
		q := &clients[c]
		switch {
		case t.Attach == attachPDF && strings.Contains(t.Ja, "議事録"):
			tos = append(tos, mailbox(p.Hdr, q.Name, q.addr(date)))
		case g.chance(30):
			ccs = append(ccs, mailbox(p.Hdr, q.Name, q.addr(date)))
		}
	}
	id := g.messageID(p, date, addr)
	inReplyTo, refs := refsOf(parent)
	at := g.delivered(date)

	var h header
	h.add("Return-Path", "<"+addr+">")
	h.add("Delivered-To", rcpt)
	h.line(g.received(addr, rcpt, at))
	h.add("Date", dateHeader(date, p.Hdr == hdrEUC))
	h.add("From", mailbox(p.Hdr, name, addr))
	h.add("To", addrList(tos))
	h.add("Cc", addrList(ccs))
	if p.Org != "" && g.chance(4) {
		h.add("Reply-To", mailbox(p.Hdr, p.Org, "info@"+domainOf(addr)))
	}
	h.add("Subject", text(p.Hdr, subject))
	h.add("Message-ID", id)
	h.add("In-Reply-To", inReplyTo)
	h.add("References", refs)
	h.line(p.Mailer)

	content := textEntity(p.Body, "plain", body)
	if p.HTML {
		content = multipart("alternative", g.boundary(p), "", content, textEntity(bodyUTF8QP, "html", toHTML(body)))
	}
	if parent == nil && t.Attach != attachNone {
		parts := append([]entity{content}, g.attachments(p.Hdr, p.Mailer == mApple || p.Hdr == hdrEUC, t.Attach, p.Ja, date)...)
		content = multipart("mixed", g.boundary(p), "", parts...)
	}
	m := genMsg{Message: Message{Raw: h.message(content), Flags: g.seenFlags(date), InternalDate: at}, subject: subject}
	return m, ref{id: id, refs: refs, subject: subject, date: date, name: name, addr: addr, text: body}
}

// ownerMail writes the owner's mail to p (at toAddr, or p's address at the
// time): on topic t, or a reply to parent.
func (g *gen) ownerMail(p *person, toAddr string, t topic, date time.Time, parent *ref) (genMsg, ref) {
	date = date.In(jst)
	if toAddr == "" {
		toAddr = p.addr(date)
	}
	hdr, be := hdrUTF8B, bodyUTF8Flow
	if p.Ja && date.Before(switchedToUTF8) {
		hdr, be = hdrJIS, bodyJIS
	}
	fromName := ownerName
	if !p.Ja {
		fromName = ownerNameEn
	}
	fromAddr := ownerAddr
	if g.chance(20) {
		fromAddr = ownerAlias
	}
	n := 2 + g.r.IntN(8)
	greet := p.family() + "様"
	if !p.Ja {
		greet = p.first()
	}
	var subject, body string
	switch {
	case parent != nil && p.Ja:
		subject = reSubject(parent.subject)
		body = greet + "\n\nいつもお世話になっております。\n" + ownerOrg + "の" + ownerFamily + "です。\n\n" + pick(g, replyLinesJa) + "\n\n引き続きよろしくお願いいたします。\n"
	case parent != nil:
		subject = reSubject(parent.subject)
		body = "Hi " + greet + ",\n\n" + pick(g, replyLinesEn) + "\n\nBest,\nHanako\n"
	case p.Ja:
		subject = fill(t.Ja, greet, ownerName, ownerOrg, date, n)
		body = fill(t.JaBody, greet, ownerName, ownerOrg, date, n)
	default:
		subject = fillEn(t.En, greet, ownerNameEn, ownerOrgEn, date, n)
		body = fillEn(t.EnBody, greet, ownerNameEn, ownerOrgEn, date, n)
	}
	body += ownerSignature(p.Ja)
	if parent != nil {
		body += quote(p.Ja, *parent)
	}
	tos := []string{mailbox(hdr, p.Name, toAddr)}
	var ccs []string
	if len(p.Colls) > 0 && g.chance(30) {
		q := &clients[p.Colls[0]]
		ccs = append(ccs, mailbox(hdr, q.Name, q.addr(date)))
	}
	id := "<" + strings.ToLower(g.hex(8)+"-"+g.hex(4)+"-"+g.hex(4)+"-"+g.hex(4)+"-"+g.hex(12)) + "@old-isp.example>"
	inReplyTo, refs := refsOf(parent)

	var h header
	h.add("Message-ID", id)
	h.add("Date", dateHeader(date, false))
	h.line(mTB)
	h.add("Content-Language", map[bool]string{true: "ja", false: "en-US"}[p.Ja])
	h.add("From", mailbox(hdr, fromName, fromAddr))
	h.add("To", addrList(tos))
	h.add("Cc", addrList(ccs))
	h.add("Subject", text(hdr, subject))
	h.add("In-Reply-To", inReplyTo)
	h.add("References", refs)

	content := textEntity(be, "plain", body)
	if parent == nil && t.Attach != attachNone {
		parts := append([]entity{content}, g.attachments(hdr, true, t.Attach, p.Ja, date)...)
		content = multipart("mixed", "------------"+g.alnum(24), "", parts...)
	}
	m := genMsg{Message: Message{Raw: h.message(content), Flags: []string{`\Seen`}, InternalDate: date}, subject: subject}
	return m, ref{id: id, refs: refs, subject: subject, date: date, name: fromName, addr: fromAddr, text: body}
}

// toHTML turns a plain text body into the HTML part webmail sends with it.
func toHTML(s string) string {
	var b strings.Builder
	b.WriteString("<div dir=\"ltr\">")
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if l == "" {
			b.WriteString("<div><br></div>")
			continue
		}
		b.WriteString("<div>" + htmlEscape(l) + "</div>")
	}
	b.WriteString("</div>\n")
	return b.String()
}

var htmlEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace
