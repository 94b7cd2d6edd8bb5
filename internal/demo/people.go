package demo

import (
	"strings"
	"time"
)

var (
	jst = time.FixedZone("JST", 9*3600)
	est = time.FixedZone("EST", -5*3600)
	pst = time.FixedZone("PST", -8*3600)
	gmt = time.FixedZone("GMT", 0)
	cet = time.FixedZone("CET", 3600)
	aet = time.FixedZone("AEST", 10*3600)
)

// person is someone who writes to the owner, with the habits of their
// mail program.
type person struct {
	Name    string // display name as they set it
	Alt     string // another display name they sometimes use (their phone), or ""
	Email   string
	Org     string // company, for the signature; "" for private people
	Ja      bool   // writes in Japanese
	Hdr     hdrEnc
	Body    bodyEnc
	HTML    bool   // sends multipart/alternative
	Mailer  string // X-Mailer or User-Agent line, or ""
	TZ      *time.Location
	NewAddr string    // the address they use from Moved on, or ""
	Moved   time.Time // zero if never
	Colls   []int     // colleagues (indexes into clients) often in Cc
}

// family returns the family name used in greetings: "田中" from "田中 太郎",
// "Carter" from "Emily Carter", "Suzuki" from "Suzuki, Ichiro".
func (p *person) family() string {
	if i := strings.Index(p.Name, ", "); i >= 0 {
		return p.Name[:i]
	}
	f := strings.Fields(p.Name)
	if p.Ja || len(f) == 1 {
		return f[0]
	}
	return f[len(f)-1]
}

// first returns the given name for English greetings.
func (p *person) first() string {
	if i := strings.Index(p.Name, ", "); i >= 0 {
		return p.Name[i+2:]
	}
	return strings.Fields(p.Name)[0]
}

// addr returns the address the person writes from at time t.
func (p *person) addr(t time.Time) string {
	if p.NewAddr != "" && !t.Before(p.Moved) {
		return p.NewAddr
	}
	return p.Email
}

const (
	ownerName    = "山田 花子"
	ownerNameEn  = "Hanako Yamada"
	ownerAddr    = OldProviderUser
	ownerAlias   = "hanako@old-isp.example"
	ownerOrg     = "山田デザイン事務所"
	ownerOrgEn   = "Yamada Design Studio"
	ownerFamily  = "山田"
	ownerPhone   = "03-5555-0123"
	ownerSiteURL = "https://yamada-design.example/"
)

const (
	mOutlook = "X-Mailer: Microsoft Outlook 16.0"
	mBecky   = "X-Mailer: Becky! ver. 2.75.04 [ja]"
	mWL      = "User-Agent: Wanderlust/2.15.9 (Almost Unreal) Emacs/27.1 Mule/6.0 (HANACHIRUSATO)"
	mApple   = "X-Mailer: Apple Mail (2.3654.120.0.1.13)"
	mOE      = "X-Mailer: Microsoft Outlook Express 6.00.2900.5931"
	mPhone   = "X-Mailer: iPhone Mail (20E252)"
	mTB      = "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:102.0) Gecko/20100101 Thunderbird/102.11.0"
)

// clients are the owner's ~50 correspondents. The order is fixed: the
// generator picks them by index.
var clients = []person{
	// さくら商事: Outlook, ISO-2022-JP.
	{Name: "田中 太郎", Alt: "Taro Tanaka", Email: "taro.tanaka@sakura-shoji.co.jp", Org: "さくら商事株式会社 営業部", Ja: true, Hdr: hdrJIS, Body: bodyJIS, Mailer: mOutlook, TZ: jst, Colls: []int{1, 2}},
	{Name: "中村 恵", Email: "megumi.nakamura@sakura-shoji.co.jp", Org: "さくら商事株式会社 広報室", Ja: true, Hdr: hdrJIS, Body: bodyJIS, Mailer: mOutlook, TZ: jst, Colls: []int{0}},
	{Name: "小林 誠", Email: "m.kobayashi@sakura-shoji.co.jp", Org: "さくら商事株式会社 経理部", Ja: true, Hdr: hdrJIS, Body: bodyJIS, Mailer: mOutlook, TZ: jst},
	// 青空印刷: Apple Mail, UTF-8 Q; a name written "Family, Given".
	{Name: "Suzuki, Ichiro", Alt: "鈴木 一郎", Email: "ichiro.suzuki@aozora-print.co.jp", Org: "青空印刷株式会社", Ja: true, Hdr: hdrUTF8Q, Body: bodyUTF8QP, Mailer: mApple, TZ: jst, Colls: []int{4}},
	{Name: "加藤 直子", Email: "naoko.kato@aozora-print.co.jp", Org: "青空印刷株式会社 制作課", Ja: true, Hdr: hdrUTF8Q, Body: bodyUTF8QP, Mailer: mApple, TZ: jst, Colls: []int{3}},
	// かえでデザイン: webmail, UTF-8 B, HTML; moved to a new domain in 2023.
	{Name: "佐藤 美咲", Email: "misaki.sato@kaede-design.jp", Org: "かえでデザイン", Ja: true, Hdr: hdrUTF8B, Body: bodyUTF8B64, HTML: true, TZ: jst, NewAddr: "misaki@kaede-studio.jp", Moved: time.Date(2023, 4, 1, 0, 0, 0, 0, jst)},
	// みなと建設: Becky!, Shift_JIS.
	{Name: "高橋 健一", Email: "k.takahashi@minato-kensetsu.co.jp", Org: "㈱みなと建設 総務部", Ja: true, Hdr: hdrSJIS, Body: bodySJIS64, Mailer: mBecky, TZ: jst, Colls: []int{7}},
	{Name: "吉田 修", Email: "o.yoshida@minato-kensetsu.co.jp", Org: "㈱みなと建設 設計部", Ja: true, Hdr: hdrSJIS, Body: bodySJIS8, Mailer: mBecky, TZ: jst},
	// ひかり食品: Outlook, ISO-2022-JP.
	{Name: "伊藤 由美", Email: "yumi.ito@hikari-foods.co.jp", Org: "ひかり食品株式会社 商品企画部", Ja: true, Hdr: hdrJIS, Body: bodyJIS, Mailer: mOutlook, TZ: jst, Colls: []int{9}},
	{Name: "山本 大輔", Email: "daisuke.yamamoto@hikari-foods.co.jp", Org: "ひかり食品株式会社 マーケティング部", Ja: true, Hdr: hdrJIS, Body: bodyJIS, Mailer: mOutlook, TZ: jst},
	// はなまる出版: Wanderlust, EUC-JP.
	{Name: "渡辺 翔太", Email: "shota.watanabe@hanamaru-pub.co.jp", Org: "はなまる出版 編集部", Ja: true, Hdr: hdrEUC, Body: bodyEUC8, Mailer: mWL, TZ: jst, Colls: []int{11}},
	{Name: "松本 さくら", Email: "sakura.matsumoto@hanamaru-pub.co.jp", Org: "はなまる出版 編集部", Ja: true, Hdr: hdrEUC, Body: bodyEUC8, Mailer: mWL, TZ: jst},
	// つばさ旅行: webmail, UTF-8 B, HTML.
	{Name: "井上 陽子", Email: "yoko.inoue@tsubasa-travel.jp", Org: "つばさ旅行株式会社", Ja: true, Hdr: hdrUTF8B, Body: bodyUTF8B64, HTML: true, TZ: jst, Colls: []int{13}},
	{Name: "木村 拓也", Email: "takuya.kimura@tsubasa-travel.jp", Org: "つばさ旅行株式会社", Ja: true, Hdr: hdrUTF8B, Body: bodyUTF8B64, HTML: true, TZ: jst},
	// もみじ茶房: an old program that writes raw Shift_JIS names.
	{Name: "林 恵子", Email: "keiko@momiji-saboh.jp", Org: "もみじ茶房", Ja: true, Hdr: hdrRawSJIS, Body: bodySJIS8, Mailer: mOE, TZ: jst},
	{Name: "清水 浩二", Email: "koji.shimizu@kodama-music.jp", Org: "こだま音楽教室", Ja: true, Hdr: hdrUTF8Q, Body: bodyUTF8QP, Mailer: mApple, TZ: jst},
	{Name: "山崎 真理", Email: "mari.yamazaki@hoshizora-dental.jp", Org: "ほしぞら歯科クリニック", Ja: true, Hdr: hdrJIS, Body: bodyJIS, Mailer: mOutlook, TZ: jst},
	{Name: "森 健太", Alt: "もり けんた", Email: "kenta.mori@kumo-net.ne.jp", Ja: true, Hdr: hdrSJIS, Body: bodySJIS8, Mailer: mPhone, TZ: jst},
	{Name: "池田 彩", Email: "aya.ikeda@nijiiro.ne.jp", Ja: true, Hdr: hdrUTF8B, Body: bodyUTF8B64, TZ: jst},
	// 四葉法律事務所.
	{Name: "橋本 雅人", Email: "hashimoto@yotsuba-law.jp", Org: "四葉法律事務所 弁護士", Ja: true, Hdr: hdrJIS, Body: bodyJIS, Mailer: mOutlook, TZ: jst, Colls: []int{20}},
	{Name: "石川 由紀", Email: "y.ishikawa@yotsuba-law.jp", Org: "四葉法律事務所 事務局", Ja: true, Hdr: hdrJIS, Body: bodyJIS, Mailer: mOutlook, TZ: jst},
	// しろくまソフト.
	{Name: "藤田 亮", Email: "ryo.fujita@shirokuma-soft.co.jp", Org: "しろくまソフト株式会社", Ja: true, Hdr: hdrUTF8B, Body: bodyUTF8B64, HTML: true, TZ: jst, Colls: []int{22}},
	{Name: "岡田 美穂", Email: "miho.okada@shirokuma-soft.co.jp", Org: "しろくまソフト株式会社", Ja: true, Hdr: hdrUTF8B, Body: bodyUTF8B64, TZ: jst},
	// 北国ビール: EUC-JP.
	{Name: "後藤 隆", Email: "takashi.goto@kitaguni-beer.co.jp", Org: "北国ビール株式会社", Ja: true, Hdr: hdrEUC, Body: bodyEUC8, Mailer: mWL, TZ: jst, Colls: []int{24}},
	{Name: "長谷川 優子", Email: "yuko.hasegawa@kitaguni-beer.co.jp", Org: "北国ビール株式会社", Ja: true, Hdr: hdrEUC, Body: bodyEUC8, Mailer: mWL, TZ: jst},
	{Name: "村上 春奈", Alt: "Haruna Murakami", Email: "haruna@murakami-photo.jp", Org: "村上写真事務所", Ja: true, Hdr: hdrUTF8Q, Body: bodyUTF8QP, Mailer: mApple, TZ: jst},
	{Name: "坂本 直樹", Email: "naoki.sakamoto@minami-clinic.jp", Org: "みなみ整形外科", Ja: true, Hdr: hdrJIS, Body: bodyJIS, Mailer: mOutlook, TZ: jst},
	{Name: "遠藤 舞", Email: "mai.endo@nijiiro.ne.jp", Ja: true, Hdr: hdrSJIS, Body: bodySJIS64, Mailer: mPhone, TZ: jst},
	{Name: "髙木 誠", Email: "makoto.takagi@takagi-koumuten.co.jp", Org: "髙木工務店", Ja: true, Hdr: hdrSJIS, Body: bodySJIS8, Mailer: mBecky, TZ: jst},
	{Name: "齋藤 美紀", Email: "miki.saito@ginga-hotel.co.jp", Org: "銀河ホテル 宴会課", Ja: true, Hdr: hdrJIS, Body: bodyJIS, Mailer: mOutlook, TZ: jst},
	{Name: "青木 亮介", Email: "r.aoki@kumo-net.ne.jp", Ja: true, Hdr: hdrRawSJIS, Body: bodySJIS8, Mailer: mOE, TZ: jst},
	{Name: "Kenji Watanabe", Email: "kenji.watanabe@nippon-trade.co.jp", Org: "Nippon Trade Co., Ltd.", Ja: true, Hdr: hdrJIS, Body: bodyJIS, Mailer: mOutlook, TZ: jst},
	// English-speaking clients.
	{Name: "Emily Carter", Email: "emily.carter@northwind-studio.com", Org: "Northwind Studio", Hdr: hdrUTF8Q, Body: bodyUTF8QP, Mailer: mApple, TZ: est, Colls: []int{33}},
	{Name: "Michael Chen", Email: "mchen@northwind-studio.com", Org: "Northwind Studio", Hdr: hdrUTF8Q, Body: bodyUTF8QP, Mailer: mApple, TZ: est},
	{Name: "Smith, John", Email: "john.smith@greenleaf-market.com", Org: "Greenleaf Market", Hdr: hdrUTF8Q, Body: bodyUTF8Flow, Mailer: mTB, TZ: pst},
	{Name: "Sophie Lefèvre", Email: "sophie@atelier-lefevre.fr", Org: "Atelier Lefèvre", Hdr: hdrUTF8Q, Body: bodyUTF8QP, Mailer: mApple, TZ: cet},
	{Name: "Müller, Stefan", Email: "s.mueller@bergwerk-design.de", Org: "Bergwerk Design GmbH", Hdr: hdrUTF8B, Body: bodyUTF8QP, Mailer: mTB, TZ: cet},
	{Name: "James O'Brien", Email: "james.obrien@harborline.co.uk", Org: "Harborline Ltd", Hdr: hdrUTF8Q, Body: bodyUTF8Flow, Mailer: mOutlook, TZ: gmt},
	{Name: "Sarah Johnson", Email: "sarah.johnson@bluepeak-ventures.com", Org: "Bluepeak Ventures", Hdr: hdrUTF8B, Body: bodyUTF8B64, HTML: true, TZ: pst, Colls: []int{39}},
	{Name: "David Kim", Email: "dkim@bluepeak-ventures.com", Org: "Bluepeak Ventures", Hdr: hdrUTF8B, Body: bodyUTF8B64, HTML: true, TZ: pst},
	{Name: "Priya Patel", Email: "priya@lotus-yoga.com", Org: "Lotus Yoga", Hdr: hdrUTF8B, Body: bodyUTF8B64, HTML: true, TZ: gmt},
	{Name: "Lucas Araújo", Email: "lucas.araujo@solar-cafe.com.br", Org: "Solar Café", Hdr: hdrUTF8Q, Body: bodyUTF8QP, Mailer: mPhone, TZ: time.FixedZone("BRT", -3*3600)},
	{Name: "Anna Kowalska", Email: "anna.kowalska@vistula-books.pl", Org: "Vistula Books", Hdr: hdrUTF8Q, Body: bodyUTF8Flow, Mailer: mTB, TZ: cet},
	{Name: "Olivia Brown", Email: "olivia@brown-and-co.com.au", Org: "Brown & Co.", Hdr: hdrUTF8Q, Body: bodyUTF8QP, Mailer: mOutlook, TZ: aet},
	{Name: "Daniel Wilson", Email: "daniel.wilson@tidewater-films.com", Org: "Tidewater Films", Hdr: hdrUTF8B, Body: bodyUTF8B64, HTML: true, TZ: pst},
	{Name: "Jonas Åkesson", Email: "jonas@nordljus.se", Org: "Nordljus AB", Hdr: hdrUTF8Q, Body: bodyUTF8QP, Mailer: mApple, TZ: cet},
	{Name: "Mei Lin", Email: "mei.lin@harbourview-tea.com.hk", Org: "Harbourview Tea", Hdr: hdrUTF8B, Body: bodyUTF8B64, HTML: true, TZ: time.FixedZone("HKT", 8*3600)},
	{Name: "Kevin Nguyen", Email: "kevin@pixel-pho.com", Org: "Pixel Pho", Hdr: hdrUTF8Q, Body: bodyUTF8Flow, Mailer: mPhone, TZ: pst},
	{Name: "Hannah Schmidt", Email: "hannah.schmidt@kaffeehaus-berlin.de", Org: "Kaffeehaus Berlin", Hdr: hdrUTF8Q, Body: bodyUTF8QP, Mailer: mApple, TZ: cet},
	{Name: "Chris Taylor", Email: "chris@taylor-surf.com", Hdr: hdrUTF8Q, Body: bodyUTF8Flow, Mailer: mTB, TZ: pst},
}

// Index ranges into clients.
const (
	firstEnglish = 32 // clients[firstEnglish:] write in English
)
