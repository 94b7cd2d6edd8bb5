package demo

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// sender is a non-person sender: a newsletter, a shop, a bank.
var (
	designNews = &person{Name: "デザインニュース", Email: "news@design-news.jp", Hdr: hdrUTF8B, Body: bodyUTF8B64, HTML: true, TZ: jst}
	bank       = &person{Name: "ひまわり銀行", Email: "noreply@himawari-bank.co.jp", Hdr: hdrJIS, Body: bodyJIS, TZ: jst}
	shop       = &person{Name: "文具のミドリヤ", Email: "order@midoriya-bungu.jp", Hdr: hdrSJIS, Body: bodySJIS64, TZ: jst}
	cloudbox   = &person{Name: "Cloudbox", Email: "no-reply@cloudbox.com", Hdr: hdrUTF8Q, Body: bodyUTF8QP, HTML: true, TZ: pst}
	pixelforge = &person{Name: "PixelForge", Email: "billing@pixelforge.com", Hdr: hdrUTF8Q, Body: bodyUTF8QP, HTML: true, TZ: pst}
	mlMembers  = []*person{
		{Name: "小川 直人", Email: "ogawa@studio-ogawa.jp", Hdr: hdrJIS, Body: bodyJIS, Mailer: mBecky, TZ: jst},
		{Name: "西村 綾", Email: "aya.nishimura@kumo-net.ne.jp", Hdr: hdrJIS, Body: bodyJIS, Mailer: mOutlook, TZ: jst},
		{Name: "原田 勉", Email: "harada@harada-print.co.jp", Hdr: hdrJIS, Body: bodyJIS, Mailer: mWL, TZ: jst},
	}
)

// automated adds n newsletters, notices and mailing list posts to folder.
func (g *gen) automated(folder, n int, from, to time.Time) {
	for range n {
		var m genMsg
		switch g.r.IntN(6) {
		case 0:
			m = g.newsletter(from, to)
		case 1:
			m = g.mlPost(from, to)
		case 2:
			m = g.bankNotice(from, to)
		case 3:
			m = g.shopOrder(from, to)
		case 4:
			m = g.cloudNotice(from, to)
		default:
			m = g.receipt(from, to)
		}
		g.put(folder, m)
	}
}

// bulk writes an automated message; extra are complete header lines.
func (g *gen) bulk(p *person, date time.Time, subject, body string, extra ...string) genMsg {
	at := g.delivered(date)
	var h header
	h.add("Return-Path", "<bounce-"+strings.ToLower(g.hex(12))+"@"+domainOf(p.Email)+">")
	h.add("Delivered-To", ownerAddr)
	h.line(g.received(p.Email, ownerAddr, at))
	h.add("Date", dateHeader(date, false))
	h.add("From", mailbox(p.Hdr, p.Name, p.Email))
	h.add("To", ownerAddr)
	h.add("Subject", text(p.Hdr, subject))
	h.add("Message-ID", "<"+date.UTC().Format("20060102150405")+"."+strings.ToLower(g.hex(16))+"@"+domainOf(p.Email)+">")
	for _, e := range extra {
		h.line(e)
	}
	content := textEntity(p.Body, "plain", body)
	if p.HTML {
		html := "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + htmlEscape(subject) + "</title></head>\n" +
			"<body style=\"font-family:sans-serif\"><table width=\"600\"><tr><td>\n" + toHTML(body) +
			"<p style=\"font-size:11px;color:#888\"><a href=\"https://" + domainOf(p.Email) + "/unsubscribe\">配信停止 / Unsubscribe</a></p>\n</td></tr></table></body></html>\n"
		content = multipart("alternative", "b1_"+strings.ToLower(g.hex(32)), "", content, textEntity(bodyUTF8QP, "html", html))
	}
	flags := []string{`\Seen`}
	if g.chance(30) {
		flags = nil // newsletters often stay unread
	}
	return genMsg{Message: Message{Raw: h.message(content), Flags: flags, InternalDate: at}, subject: subject}
}

func listHeaders(id, domain string) []string {
	return []string{
		"List-Id: " + id,
		"List-Unsubscribe: <mailto:unsubscribe@" + domain + "?subject=unsubscribe>,\r\n <https://" + domain + "/unsubscribe?u=demo%40old-isp.example>",
		"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
		"Precedence: bulk",
	}
}

func (g *gen) newsletter(from, to time.Time) genMsg {
	date := g.when(from, to, jst)
	n := 100 + int(date.Sub(day(2019, 1, 1)).Hours()/24/7)
	themes := []string{"今月の注目フォント特集", "パッケージデザインの最新事例", "フリーランスのための請求書入門", "配色のトレンド2025", "会議で伝わるプレゼン資料の作り方", "印刷会社との上手な付き合い方"}
	theme := pick(g, themes)
	subject := fmt.Sprintf("【デザインニュース】第%d号 %s", n, theme)
	body := fmt.Sprintf("デザインニュース 第%d号\n\n今週の特集：%s\n\n▼ 記事を読む\nhttps://design-news.jp/articles/%d\n\n配信停止はこちら：\nhttps://design-news.jp/unsubscribe\n", n, theme, n)
	return g.bulk(designNews, date, subject, body,
		append(listHeaders(text(hdrUTF8B, "デザインニュース")+" <weekly.design-news.jp>", "design-news.jp"), "Reply-To: support@design-news.jp")...)
}

func (g *gen) mlPost(from, to time.Time) genMsg {
	p := pick(g, mlMembers)
	date := g.when(from, to, jst)
	count := 1000 + int(date.Sub(day(2019, 1, 1)).Hours()/24/3)
	topics := []string{"勉強会のお知らせ", "次回会議の議題について", "見積の相場について教えてください", "請求書の書式について", "展示会の報告"}
	t := pick(g, topics)
	subject := fmt.Sprintf("[design-ml:%05d] %s", count, t)
	body := "皆さま\n\n" + p.Name + "です。\n\n" + t + "、ご意見をいただければ幸いです。\n詳細は来週の勉強会でお話しします。\n\n--\n" + p.Name + "\n"
	at := g.delivered(date)
	var h header
	h.add("Return-Path", "<design-ml-admin@ml.design-kyokai.jp>")
	h.add("Delivered-To", ownerAddr)
	h.line(g.received("design-ml@ml.design-kyokai.jp", ownerAddr, at))
	h.add("Date", dateHeader(date, true))
	h.add("From", mailbox(p.Hdr, p.Name, p.Email))
	h.add("Reply-To", "design-ml@ml.design-kyokai.jp")
	h.add("To", "design-ml@ml.design-kyokai.jp")
	h.add("Subject", text(p.Hdr, subject))
	h.add("Message-ID", "<"+date.UTC().Format("20060102150405")+"."+g.hex(6)+"@"+domainOf(p.Email)+">")
	h.add("Sender", "design-ml-admin@ml.design-kyokai.jp")
	h.add("X-ML-Name", "design-ml")
	h.add("X-Mail-Count", fmt.Sprintf("%05d", count))
	h.add("X-ML-Info", "If you have a question, send e-mail with the body\r\n\t\"# help\" (without quotes) to the address design-ml-ctl@ml.design-kyokai.jp;\r\n\thelp=<mailto:design-ml-ctl@ml.design-kyokai.jp?body=help>")
	h.add("List-Id", "design-ml.ml.design-kyokai.jp")
	h.add("Precedence", "bulk")
	h.line(p.Mailer)
	return genMsg{Message: Message{Raw: h.message(textEntity(p.Body, "plain", body)), Flags: []string{`\Seen`}, InternalDate: at}, subject: subject}
}

func (g *gen) bankNotice(from, to time.Time) genMsg {
	date := g.when(from, to, jst)
	client := pick(g, clients[:firstEnglish])
	body := fmt.Sprintf("山田 花子 様\n\nいつもひまわり銀行をご利用いただき、ありがとうございます。\n以下のとおりお振込みの入金がありました。\n\n入金日：%s\n振込依頼人：%s\n金額：%d円\n\n※このメールは送信専用アドレスから送信しています。\nご返信いただいてもお答えできません。\n",
		date.Format("2006年01月02日"), client.Org, (5+g.r.IntN(60))*11000)
	return g.bulk(bank, date, "【ひまわり銀行】お振込入金のお知らせ", body, "Auto-Submitted: auto-generated")
}

func (g *gen) shopOrder(from, to time.Time) genMsg {
	date := g.when(from, to, jst)
	no := fmt.Sprintf("MD-%s-%04d", date.Format("060102"), g.r.IntN(10000))
	items := []string{"コピー用紙 A4 500枚×5", "マーカー 12色セット", "カッティングマット A3", "製図用シャープペンシル", "トレーシングペーパー"}
	body := fmt.Sprintf("山田 花子 様\n\nこの度は文具のミドリヤをご利用いただき、誠にありがとうございます。\nご注文を承りました。\n\n注文番号：%s\n商品：%s\n\n発送まで今しばらくお待ちください。\n\n文具のミドリヤ\nhttps://midoriya-bungu.jp/\n", no, pick(g, items))
	return g.bulk(shop, date, "【文具のミドリヤ】ご注文ありがとうございます（注文番号："+no+"）", body)
}

func (g *gen) cloudNotice(from, to time.Time) genMsg {
	date := g.when(from, to, pst)
	pct := 80 + g.r.IntN(20)
	body := fmt.Sprintf("Hi Hanako,\n\nYour Cloudbox storage is %d%% full.\nUpgrade to Cloudbox Plus for 2 TB of space.\n\nhttps://cloudbox.com/plans\n\nThe Cloudbox team\n", pct)
	return g.bulk(cloudbox, date, fmt.Sprintf("Your Cloudbox storage is %d%% full", pct), body,
		append(listHeaders("<notices.cloudbox.com>", "cloudbox.com"), "Auto-Submitted: auto-generated")...)
}

func (g *gen) receipt(from, to time.Time) genMsg {
	date := g.when(from, to, pst)
	no := 100000 + g.r.IntN(900000)
	body := fmt.Sprintf("Thanks for your payment!\n\nReceipt #%d\nPixelForge Pro, monthly plan: $19.99\nCharged to Visa ending in 4242 on %s.\n\nQuestions? Reply to this email.\n", no, date.Format("January 2, 2006"))
	return g.bulk(pixelforge, date, fmt.Sprintf("Your PixelForge receipt [#%d]", no), body, "Reply-To: PixelForge Support <support@pixelforge.com>")
}

// bounces adds the owner's mail to addresses that no longer work (in
// Sent) and the mail server's reports about them (in INBOX).
func (g *gen) bounces() {
	cases := []struct {
		client int
		addr   string
		date   time.Time
		status string
		diag   string
	}{
		{5, clients[5].Email, time.Date(2023, 6, 12, 10, 31, 7, 0, jst), "5.1.1", "550 5.1.1 <misaki.sato@kaede-design.jp>: Recipient address rejected: User unknown in virtual mailbox table"},
		{0, "taro.tanka@sakura-shoji.co.jp", time.Date(2021, 11, 8, 16, 2, 45, 0, jst), "5.1.1", "550 5.1.1 <taro.tanka@sakura-shoji.co.jp>: Recipient address rejected: User unknown"},
		{17, clients[17].Email, time.Date(2025, 2, 3, 9, 12, 30, 0, jst), "5.2.2", "552 5.2.2 <kenta.mori@kumo-net.ne.jp>: Mailbox full"},
	}
	for _, c := range cases {
		sent, sref := g.ownerMail(&clients[c.client], c.addr, ownerTopics[4], c.date, nil)
		g.put(fSent, sent)
		g.put(fInbox, g.bounce(sent, sref, c.addr, c.status, c.diag))
	}
}

func (g *gen) bounce(orig genMsg, o ref, rcpt, status, diag string) genMsg {
	at := o.date.Add(time.Duration(3+g.r.IntN(40)) * time.Second)
	qid := g.hex(10)
	b := "postfix-" + g.hex(8)
	origHeader := string(orig.Raw[:strings.Index(string(orig.Raw), "\r\n\r\n")+2])
	notice := "This is the mail system at host mx.old-isp.example.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients. It's attached below.\n\nFor further assistance, please send mail to postmaster.\n\nIf you do so, please include this problem report. You can\ndelete your own text from the attached returned message.\n\n                   The mail system\n\n<" + rcpt + ">: host mx." + domainOf(rcpt) + "[203.0.113.25] said: " + diag + " (in reply to RCPT TO command)\n"
	dsn := "Reporting-MTA: dns; mx.old-isp.example\nX-Postfix-Queue-ID: " + qid + "\nX-Postfix-Sender: rfc822; " + o.addr + "\nArrival-Date: " + dateHeader(o.date, true) +
		"\n\nFinal-Recipient: rfc822; " + rcpt + "\nOriginal-Recipient: rfc822;" + rcpt + "\nAction: failed\nStatus: " + status + "\nRemote-MTA: dns; mx." + domainOf(rcpt) + "\nDiagnostic-Code: smtp; " + diag + "\n"
	content := multipart("report", b, " report-type=delivery-status;",
		leaf("text/plain; charset=us-ascii", "", crlf(notice), "Content-Description: Notification"),
		leaf("message/delivery-status", "", crlf(dsn), "Content-Description: Delivery report"),
		leaf("text/rfc822-headers", "", origHeader, "Content-Description: Undelivered Message Headers"),
	)
	subject := "Undelivered Mail Returned to Sender"
	var h header
	h.add("Return-Path", "<>")
	h.add("Delivered-To", o.addr)
	h.add("Received", "by mx.old-isp.example (Postfix)\r\n\tid "+g.hex(10)+"; "+dateHeader(at, true))
	h.add("Date", dateHeader(at, true))
	h.add("From", "MAILER-DAEMON@mx.old-isp.example (Mail Delivery System)")
	h.add("Subject", subject)
	h.add("To", o.addr)
	h.add("Auto-Submitted", "auto-replied")
	h.add("Message-Id", "<"+at.UTC().Format("20060102150405")+"."+qid+"@mx.old-isp.example>")
	return genMsg{Message: Message{Raw: h.message(content), Flags: []string{`\Seen`}, InternalDate: at}, subject: subject}
}

// spams adds n junk messages in many charsets.
func (g *gen) spams(folder, n int, from, to time.Time) {
	type spam struct {
		name, addr, charset, subject, body string
		enc                                encoding.Encoding // nil for UTF-8
	}
	kinds := []spam{
		{"セキュリティセンター", "security@account-verify-jp.com", "UTF-8", "【重要】お客様のアカウントが一時停止されました", "お客様のアカウントで不審なログインを検出しました。\n24時間以内に以下のリンクから確認してください。\nhttp://account-verify-jp.com/login\n", nil},
		{"Prize Department", "winner@lucky-draw-intl.com", "UTF-8", "Congratulations! You have been selected", "Dear winner,\n\nYour email address has won USD 1,000,000.\nReply with your bank details to claim.\n", nil},
		{"发票服务", "fapiao@dk-invoice.cn", "GB2312", "代开各类发票 请联系", "本公司长期代开各类发票，欢迎来电咨询。\n", simplifiedchinese.GBK},
		{"Скидки", "sale@mega-skidki.ru", "windows-1251", "Скидки до 70% только сегодня", "Только сегодня скидки до 70% на все товары!\n", charmap.Windows1251},
		{"投資情報センター", "info@kabu-joho.biz", "Shift_JIS", "未公開株のご案内（会員様限定）", "今だけ、会員様限定で未公開株をご案内しております。\n必ず値上がりします。\n", japanese.ShiftJIS},
		{"Design Fonts Outlet", "deals@font-outlet.biz", "UTF-8", "Ｒｅ：300 premium fonts – 95% off", "Get 300 premium fonts for $9.\nhttp://font-outlet.biz/\n", nil},
	}
	for range n {
		k := pick(g, kinds)
		date := g.when(from, to, time.FixedZone("", (g.r.IntN(25)-12)*3600))
		at := g.delivered(date)
		var subj, name, ct, body string
		if k.enc == nil {
			subj, name = text(hdrUTF8B, k.subject), phrase(hdrUTF8B, k.name)
			ct, body = "text/plain; charset=utf-8", base64Lines([]byte(crlf(k.body)))
		} else {
			subj = foreignWords(k.charset, k.enc, k.subject)
			name = foreignWords(k.charset, k.enc, k.name)
			ct, body = "text/plain; charset="+k.charset, base64Lines(mustEncode(k.enc, crlf(k.body)))
		}
		var h header
		h.add("Return-Path", "<"+k.addr+">")
		h.add("Delivered-To", ownerAddr)
		h.line(g.received(k.addr, ownerAddr, at))
		h.add("X-Spam-Flag", "YES")
		h.add("X-Spam-Status", fmt.Sprintf("Yes, score=%d.%d required=5.0", 6+g.r.IntN(20), g.r.IntN(10)))
		h.add("Date", dateHeader(date, false))
		h.add("From", name+" <"+k.addr+">")
		h.add("To", "undisclosed-recipients:;")
		h.add("Subject", subj)
		h.add("Message-ID", "<"+strings.ToLower(g.hex(20))+"@"+domainOf(k.addr)+">")
		h.add("Precedence", "bulk")
		flags := []string{"$Junk"}
		if g.chance(30) {
			flags = append(flags, `\Seen`)
		}
		raw := h.message(leaf(ct, "base64", body))
		g.put(folder, genMsg{Message: Message{Raw: raw, Flags: flags, InternalDate: at}, subject: k.subject})
	}
}

func foreignWords(charset string, e encoding.Encoding, s string) string {
	return bWords(charset, e, s)
}

// drafts adds n unfinished mails by the owner.
func (g *gen) drafts(folder, n int, from, to time.Time) {
	for i := range n {
		p := &clients[g.r.IntN(len(clients))]
		t := ownerTopics[g.r.IntN(len(ownerTopics))]
		date := g.when(from, to, jst)
		m, _ := g.ownerMail(p, "", t, date, nil)
		raw := string(m.Raw)
		if i == 0 {
			// Not addressed yet.
			start := strings.Index(raw, "\r\nTo: ") + 2
			end := start + strings.Index(raw[start:], "\r\n") + 2
			for strings.HasPrefix(raw[end:], " ") || strings.HasPrefix(raw[end:], "\t") {
				end += strings.Index(raw[end:], "\r\n") + 2
			}
			raw = raw[:start] + raw[end:]
		}
		m.Raw = []byte(strings.Replace(raw, "\r\nMIME-Version: 1.0\r\n", "\r\nX-Mozilla-Draft-Info: internal/draft; vcard=0; receipt=0; DSN=0; uuencode=0;\r\n attachmentreminder=0; deliveryformat=0\r\nMIME-Version: 1.0\r\n", 1))
		m.Flags = []string{`\Seen`, `\Draft`}
		g.put(folder, m)
	}
}

// copies files byte-identical copies of two INBOX messages into 取引先,
// as people do by hand: one Message-ID, two folders.
func (g *gen) copies() {
	done := 0
	for _, m := range g.folders[fInbox].msgs {
		if done == 2 {
			return
		}
		if strings.Contains(string(m.Raw), "@sakura-shoji.co.jp>\r\n") && strings.Contains(string(m.Raw), "\r\nFrom: ") && !strings.Contains(string(m.Raw), "In-Reply-To") {
			c := m
			c.Raw = append([]byte(nil), m.Raw...)
			c.Flags = append([]string(nil), m.Flags...)
			g.put(fClients, c)
			done++
		}
	}
}
