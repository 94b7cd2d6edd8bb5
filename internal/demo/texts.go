package demo

// topic is one kind of business mail, in Japanese and in English. Bodies
// use "\n" and these placeholders: {to} the addressee's family name (or
// given name in English), {from} the sender's name, {org} the sender's
// company, {date} a day about a week later, {month} the month before,
// {n} a small number.
type topic struct {
	Ja, JaBody string
	En, EnBody string
	Attach     attachKind
	Quote      bool // belongs in 取引先/見積
}

type attachKind int

const (
	attachNone   attachKind = iota
	attachPDF               // a small PDF (a quote, an invoice, minutes)
	attachBigPDF            // a 100–500 KB PDF (proofs, a brief)
	attachPNG               // one or two small PNG images
	attachBigPNG            // a 100–500 KB PNG (photos, a design draft)
)

// clientTopics are what clients write about.
var clientTopics = []topic{
	{Ja: "会議の件", JaBody: "{to}様\n\nいつもお世話になっております。\n{org}の{from}です。\n\n来週の会議の件でご連絡いたしました。\n{date}の14時から、弊社の会議室でいかがでしょうか。\nご都合をお聞かせいただけますと幸いです。\n\nどうぞよろしくお願いいたします。\n",
		En: "Meeting next week", EnBody: "Hi {to},\n\nCould we meet next week to go over the project?\n{date} at 10am your time works for us.\n\nFrom our side, the agenda is the new logo and the website.\nLet me know if that suits you.\n\nBest regards,\n{from}\n"},
	{Ja: "お見積りのお願い", JaBody: "{to}様\n\nお世話になっております。\n{org}の{from}です。\n\n新しいパンフレット（A4、{n}ページ）のデザインについて、\nお見積りをお願いできますでしょうか。\n納期は{date}頃を希望しております。\n\nよろしくお願いいたします。\n",
		En: "Quote for the brochure design", EnBody: "Dear {to},\n\nWe are planning a new {n}-page brochure and would love a quote\nfor the design work. Ideally we would have it by {date}.\n\nFrom what I understand, you also handle the printer liaison?\n\nThanks,\n{from}\n", Quote: true},
	{Ja: "見積書の件", JaBody: "{to}様\n\nいつもお世話になっております。\n{org}の{from}です。\n\n先日いただいた見積書について、社内で確認いたしました。\n項目{n}の単価について、ご相談させてください。\n{date}までにお返事をいただけますと助かります。\n\n以上、よろしくお願いいたします。\n",
		En: "Re: your quote", EnBody: "Hi {to},\n\nThanks for the quote. We have one question about item {n}:\ndoes it include two rounds of revisions?\n\nCheers,\n{from}\n", Quote: true},
	{Ja: "請求書について", JaBody: "{to}様\n\nお世話になっております。\n{org}の{from}です。\n\n{month}月分の請求書を拝受いたしました。\n{date}にお振込みの予定です。\n\n引き続きよろしくお願いいたします。\n",
		En: "Invoice question", EnBody: "Hello {to},\n\nWe received invoice #{n}. Payment will be made on {date}.\nCould you send it with our new VAT number?\n\nKind regards,\n{from}\n"},
	{Ja: "ロゴデザインの修正について", JaBody: "{to}様\n\nいつもありがとうございます。\n{org}の{from}です。\n\nロゴ案を拝見しました。社内でも好評です。\n一点だけ、色をもう少し明るくしていただけますでしょうか。\n修正版は{date}頃までにいただければ幸いです。\n\nよろしくお願いいたします。\n",
		En: "Logo revisions", EnBody: "Hi {to},\n\nThe team loved the logo drafts!\nFrom the feedback so far, version {n} is the favourite.\nCould you try it in a slightly warmer colour?\n\nThanks so much,\n{from}\n", Attach: attachPNG},
	{Ja: "打ち合わせ日程のご相談", JaBody: "{to}様\n\nお世話になっております。\n{org}の{from}です。\n\n次回の打ち合わせですが、{date}はいかがでしょうか。\nオンラインでも対面でも構いません。\n\nご検討のほど、よろしくお願いいたします。\n",
		En: "Scheduling our next call", EnBody: "Hi {to},\n\nWould {date} work for a quick call? Any time in your morning is fine.\n\nBest,\n{from}\n"},
	{Ja: "パンフレット校正の件", JaBody: "{to}様\n\nお世話になっております。\n{org}の{from}です。\n\n校正紙をお送りします。\n{n}ページ目の写真の差し替えをお願いいたします。\n詳細は添付のPDFをご確認ください。\n\nよろしくお願いいたします。\n",
		En: "Print proofs", EnBody: "Hi {to},\n\nAttached are the print proofs from the printer.\nPlease check page {n}, the photo looks a bit dark.\n\nRegards,\n{from}\n", Attach: attachBigPDF},
	{Ja: "Webサイトリニューアルのご相談", JaBody: "{to}様\n\n突然のご連絡失礼いたします。\n{org}の{from}と申します。\n\n弊社Webサイトのリニューアルを検討しており、\nデザインをお願いできないかと思いご連絡いたしました。\n一度、お打ち合わせの機会をいただけますでしょうか。\n\nよろしくお願いいたします。\n",
		En: "Website redesign", EnBody: "Dear {to},\n\nA friend recommended your studio. We would like to redesign our website\nand wonder if you have capacity from {date}.\n\nBest regards,\n{from}\n"},
	{Ja: "定例会議の議事録", JaBody: "{to}様\n\nお疲れさまです。\n{org}の{from}です。\n\n本日の定例会議の議事録を添付いたします。\n次回は{date}の予定です。\n\n内容に誤りがございましたらご指摘ください。\n",
		En: "Minutes of today's meeting", EnBody: "Hi all,\n\nPlease find attached the minutes of today's meeting.\nNext meeting: {date}.\n\n{from}\n", Attach: attachPDF},
	{Ja: "新商品パッケージのデザイン案について", JaBody: "{to}様\n\nいつもお世話になっております。\n{org}の{from}です。\n\n新商品のパッケージについて、資料をお送りします。\n{date}の会議でご説明させてください。\n\nよろしくお願いいたします。\n",
		En: "Packaging design brief", EnBody: "Hi {to},\n\nHere is the brief for the new packaging.\nFrom page 2 on you will find the reference images.\n\nLooking forward to your ideas,\n{from}\n", Attach: attachBigPDF},
	{Ja: "【ご確認】契約書のご確認のお願い", JaBody: "{to}様\n\nお世話になっております。\n{org}の{from}です。\n\n業務委託契約書のドラフトをお送りいたします。\n内容をご確認のうえ、{date}までにご返信いただけますでしょうか。\n\nよろしくお願い申し上げます。\n",
		En: "Contract renewal", EnBody: "Dear {to},\n\nOur agreement ends next month. Shall we renew it on the same terms?\nI attach the draft for your review.\n\nKind regards,\n{from}\n", Attach: attachPDF},
	{Ja: "名刺デザインのご依頼", JaBody: "{to}様\n\nお世話になっております。\n{org}の{from}です。\n\n新入社員{n}名分の名刺デザインをお願いしたく、ご連絡いたしました。\n{date}頃までに入稿できればと考えております。\n\nご検討よろしくお願いいたします。\n",
		En: "Business cards", EnBody: "Hi {to},\n\nWe have {n} new people joining and need business cards for them.\nSame design as last time, please.\n\nThanks!\n{from}\n"},
	{Ja: "展示会ポスターの件", JaBody: "{to}様\n\nいつもお世話になっております。\n{org}の{from}です。\n\n展示会用のポスターについて、写真をお送りします。\nサイズはB1で{n}枚を予定しております。\n\nよろしくお願いいたします。\n",
		En: "Trade show booth graphics", EnBody: "Hi {to},\n\nHere are the photos for the booth graphics.\nWe need {n} panels, the dimensions are in the brief.\n\nBest,\n{from}\n", Attach: attachBigPNG},
	{Ja: "先日はありがとうございました", JaBody: "{to}様\n\n先日はお忙しいところありがとうございました。\n{org}の{from}です。\n\nいただいたご提案、社内でも大変好評でした。\n今後ともどうぞよろしくお願いいたします。\n",
		En: "Thank you!", EnBody: "Hi {to},\n\nJust wanted to say thank you for the great work on the project.\nEveryone here is delighted.\n\nWarmly,\n{from}\n"},
	{Ja: "会議資料の送付", JaBody: "{to}様\n\nお世話になっております。\n{org}の{from}です。\n\n{date}の会議で使用する資料を添付いたします。\n事前にお目通しいただけますと幸いです。\n\nよろしくお願いいたします。\n",
		En: "Slides for the meeting", EnBody: "Hi {to},\n\nAttached are the slides for our meeting on {date}.\n\nBest regards,\n{from}\n", Attach: attachPDF},
	{Ja: "お見積り金額のご相談", JaBody: "{to}様\n\nお世話になっております。\n{org}の{from}です。\n\nお見積りありがとうございました。\n予算の都合上、{n}割ほど調整いただくことは可能でしょうか。\n\n恐れ入りますが、ご検討のほどよろしくお願いいたします。\n",
		En: "About the estimate", EnBody: "Hi {to},\n\nThanks for the estimate. Our budget is a bit tight this quarter;\nis there any room to bring it down by {n}0 percent?\n\nBest,\n{from}\n", Quote: true},
}

// ownerTopics are what the owner sends first.
var ownerTopics = []topic{
	{Ja: "お見積書送付のご案内", JaBody: "{to}様\n\nいつもお世話になっております。\n山田デザイン事務所の山田です。\n\nご依頼いただいた件につきまして、お見積書を添付いたします。\nご不明な点がございましたら、お気軽にお問い合わせください。\n\nよろしくお願いいたします。\n",
		En: "Quote for your project", EnBody: "Dear {to},\n\nPlease find attached our quote for the project.\nLet me know if you have any questions.\n\nBest regards,\nHanako\n", Attach: attachPDF, Quote: true},
	{Ja: "請求書送付のご案内（{month}月分）", JaBody: "{to}様\n\nいつもお世話になっております。\n山田デザイン事務所の山田です。\n\n{month}月分の請求書を添付にてお送りいたします。\nお支払いは翌月末までにお願いいたします。\n\n今後ともよろしくお願いいたします。\n",
		En: "Invoice for {month_en}", EnBody: "Dear {to},\n\nPlease find attached our invoice #{n} for {month_en}.\nPayment is due within 30 days.\n\nThank you,\nHanako\n", Attach: attachPDF},
	{Ja: "デザイン案（第{n}稿）のご確認", JaBody: "{to}様\n\nお世話になっております。\n山田デザイン事務所の山田です。\n\nデザイン案（第{n}稿）をお送りいたします。\nご意見をいただけますと幸いです。\n\nよろしくお願いいたします。\n",
		En: "Design draft v{n}", EnBody: "Hi {to},\n\nHere is draft {n} of the design. I'd love your thoughts.\n\nBest,\nHanako\n", Attach: attachBigPNG},
	{Ja: "納品のご連絡", JaBody: "{to}様\n\nいつもお世話になっております。\n山田デザイン事務所の山田です。\n\n最終データを納品いたします。\n印刷用のPDFを添付しておりますので、ご確認ください。\n\nこの度はありがとうございました。\n",
		En: "Final files", EnBody: "Hi {to},\n\nAttached are the final print-ready files.\nIt was a pleasure working with you!\n\nHanako\n", Attach: attachBigPDF},
	{Ja: "会議日程のご確認", JaBody: "{to}様\n\nお世話になっております。\n山田デザイン事務所の山田です。\n\n次回の会議ですが、{date}の15時からでよろしいでしょうか。\nお手数ですが、ご確認をお願いいたします。\n",
		En: "Confirming our meeting", EnBody: "Hi {to},\n\nJust confirming our meeting on {date} at 3pm JST.\n\nSee you then,\nHanako\n"},
}

// replyLines are the owner's answers to a client's mail.
var replyLinesJa = []string{
	"承知いたしました。",
	"その日程で問題ございません。",
	"修正版を明日までにお送りいたします。",
	"ご連絡ありがとうございます。内容を確認いたしました。",
	"お見積りは今週中にお送りいたします。",
	"ありがとうございます。社内で検討のうえ、改めてご連絡いたします。",
	"添付の資料、拝見しました。",
}

var replyLinesEn = []string{
	"That works for me.",
	"Thank you, I will send the revised version tomorrow.",
	"Sounds great, see you then.",
	"Thanks for the files, I will have a look today.",
	"I will send you a quote by the end of the week.",
}

var followLinesJa = []string{
	"早速のご対応ありがとうございます。",
	"承知しました。お待ちしております。",
	"ご確認いただきありがとうございます。",
}

var followLinesEn = []string{
	"Perfect, thank you!",
	"Great, talk soon.",
	"Thanks Hanako, much appreciated.",
}

var weekdayJa = [...]string{"日", "月", "火", "水", "木", "金", "土"}
