package autoconfig

import "github.com/mailark/mailark/internal/imapconn"

// Protocols a Settings' server speaks.
const (
	ProtocolIMAP = "imap"
	ProtocolPOP3 = "pop3"
)

// Server is one mail server.
type Server struct {
	Host     string
	Port     int
	Security imapconn.Security
}

// Advice says why Settings chose its protocol, for the person choosing.
type Advice string

const (
	// AdviceIMAPOnly: IMAP is the way in (no POP3 server is known here).
	AdviceIMAPOnly Advice = "imap"
	// AdviceIMAPPreferred: the provider has both; IMAP is used.
	AdviceIMAPPreferred Advice = "imap-preferred"
	// AdvicePOP3Only: the provider (or its answer) offers POP3 only.
	AdvicePOP3Only Advice = "pop3-only"
)

// Text is the advice in the language lang ("ja" or English), one or two
// sentences a person can act on; "" for AdviceIMAPOnly, which needs none.
func (a Advice) Text(lang string) string {
	t, ok := adviceText[a]
	if !ok {
		return ""
	}
	if lang == "ja" {
		return t.ja
	}
	return t.en
}

var adviceText = map[Advice]struct{ en, ja string }{
	AdviceIMAPPreferred: {
		en: "This provider offers both IMAP and POP3; Mailark uses IMAP, which sees every folder (Sent, your own folders) and everything the server keeps. POP3 sees only the inbox.",
		ja: "このプロバイダーは IMAP と POP3 の両方に対応しています。Mailark は IMAP を使います。IMAP なら送信済みや自分で作ったフォルダーも含め、サーバーにあるすべてのメールが見えます。POP3 では受信箱しか見えません。",
	},
	AdvicePOP3Only: {
		en: "This account offers only POP3: the server holds at most the inbox, often only recent mail, and mail downloaded earlier may be only in your mail app. Mailark saves what the server has; import your mail app's store too, or the old mail is not in the archive.",
		ja: "このアカウントは POP3 のみです。サーバーには受信箱だけ、多くは最近のメールしか残っておらず、以前に受信したメールはメールソフトの中にしかないことがあります。Mailark はサーバーにあるメールを保存します。古いメールも残すには、メールソフトのデータも取り込んでください。",
	},
}
