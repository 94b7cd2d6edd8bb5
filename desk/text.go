package desk

import (
	"fmt"
	"strings"
)

// words are the board's and the summary's words in English and Japanese,
// by key: the page's labels, the steps, the states and, for "needs a
// person", the error kinds (internal/mailerr names) in words.
var words = map[string]map[string]string{
	"en": {
		"title": "Mailark desk", "accounts": "accounts", "done": "done", "working": "working", "queued": "waiting",
		"attention": "need a person", "customer": "Customer", "account": "Old account", "step": "Step", "progress": "Progress",
		"rate": "Rate", "eta": "Time left", "gate": "Safe to remove?", "error": "Last error", "report": "Report",
		"worker": "Worker", "deadline": "Deadline", "needs": "Accounts that need a person", "none": "None.",
		"updated": "Updated", "open": "yes", "closed": "not yet", "round": "rerun",
		"archive": "Archive", "archive.at": "on PC %s, in %s",
		"pc-stopped":       "Its archive is on PC %s, which has stopped: start `mailark desk work` there again.",
		"report.elsewhere": "Its archive is on PC %s (%s), not this one: the verdict is the last report's. Run mailark desk report on that PC (--pc %s) to read it from the archive.",

		"step.survey": "survey", "step.backup": "backup", "step.verify": "verify", "step.contacts": "contacts",
		"step.migrate": "copy to new account", "step.check": "check new account", "step.report": "report",

		"state.queued": "waiting", "state.working": "working", "state.retrying": "will try again", "state.done": "done",
		"state.attention": "needs a person", "state.budget": "daily limit reached: goes on tomorrow",

		"err.auth-failed":        "Wrong user name or password: check the secret with the customer.",
		"err.host-not-found":     "The server's name is not found: check old_host.",
		"err.connection-refused": "The server refuses connections: check the host and port.",
		"err.timeout":            "The server did not answer in time.",
		"err.connection-lost":    "The connection dropped.",
		"err.cert-untrusted":     "The server's certificate is not trusted.",
		"err.cert-mismatch":      "The server's certificate is for another name.",
		"err.cert-expired":       "The server's certificate has expired.",
		"err.server-error":       "The server refused a command.",
		"err.disk-full":          "The desk's disk is full: free space.",
		"err.permission":         "A file of the desk cannot be written.",
		"err.bad-input":          "The account's settings are not usable.",
		"err.archive-locked":     "Another program uses this customer's archive.",
		"err.archive-broken":     "The customer's archive cannot be read.",
		"err.gate-closed":        "Not yet safe to remove the old account.",
		"err.quota":              "The new mailbox is full: ask the provider for more space.",
		"err.unknown":            "An error stopped the step.",
		"err.budget":             "The provider's daily limit is used up: the step goes on by itself when it renews.",
	},
	"ja": {
		"title": "Mailark 窓口", "accounts": "件", "done": "完了", "working": "処理中", "queued": "待機中",
		"attention": "要対応", "customer": "お客様", "account": "旧アカウント", "step": "工程", "progress": "進捗",
		"rate": "速度", "eta": "残り時間", "gate": "削除してよいか", "error": "直近のエラー", "report": "報告書",
		"worker": "作業PC", "deadline": "期限", "needs": "担当者の対応が必要なアカウント", "none": "ありません。",
		"updated": "更新", "open": "はい", "closed": "まだ", "round": "再実行",
		"archive": "アーカイブの場所", "archive.at": "PC %s の %s",
		"pc-stopped":       "アーカイブは PC %s にありますが、その PC は止まっています。その PC で `mailark desk work` をもう一度起動してください。",
		"report.elsewhere": "アーカイブはこの PC ではなく PC %s（%s）にあります。判定は最後に書かれた報告書のものです。アーカイブから読むには、その PC で mailark desk report を実行してください（--pc %s）。",

		"step.survey": "調査", "step.backup": "バックアップ", "step.verify": "検証", "step.contacts": "連絡先",
		"step.migrate": "新アカウントへコピー", "step.check": "新アカウントの確認", "step.report": "報告書",

		"state.queued": "待機中", "state.working": "処理中", "state.retrying": "再試行待ち", "state.done": "完了",
		"state.attention": "要対応", "state.budget": "1日の上限に到達：明日再開",

		"err.auth-failed":        "ユーザー名またはパスワードが違います。お客様にご確認ください。",
		"err.host-not-found":     "サーバー名が見つかりません。old_host を確認してください。",
		"err.connection-refused": "サーバーが接続を拒否しています。ホストとポートを確認してください。",
		"err.timeout":            "サーバーが時間内に応答しませんでした。",
		"err.connection-lost":    "接続が切れました。",
		"err.cert-untrusted":     "サーバーの証明書が信頼されていません。",
		"err.cert-mismatch":      "サーバーの証明書が別の名前のものです。",
		"err.cert-expired":       "サーバーの証明書の期限が切れています。",
		"err.server-error":       "サーバーがコマンドを拒否しました。",
		"err.disk-full":          "窓口のディスクがいっぱいです。空きを作ってください。",
		"err.permission":         "窓口のファイルに書き込めません。",
		"err.bad-input":          "アカウントの設定が使えません。",
		"err.archive-locked":     "このお客様のアーカイブを別のプログラムが使っています。",
		"err.archive-broken":     "お客様のアーカイブを読めません。",
		"err.gate-closed":        "旧アカウントを削除してよい状態ではありません。",
		"err.quota":              "新しいメールボックスが満杯です。プロバイダーに容量をご相談ください。",
		"err.unknown":            "エラーで工程が止まりました。",
		"err.budget":             "プロバイダーの1日の上限に達しました。上限が戻ると自動で続きを行います。",
	},
}

// word returns key in lang, falling back to English, then to key.
func word(lang, key string) string {
	if s, ok := words[lang][key]; ok {
		return s
	}
	if s, ok := words["en"][key]; ok {
		return s
	}
	return key
}

// ErrorWords says an account's last error in lang: what happened, then
// the engine's own detail; and, when the PC holding its archive has
// stopped with steps left, that the account waits for that PC.
func (s Status) ErrorWords(lang string) string {
	var out []string
	if s.ErrorKind != "" || s.ErrorText != "" {
		out = append(out, word(lang, "err."+s.ErrorKind))
	}
	if s.WaitsForPC() {
		out = append(out, fmt.Sprintf(word(lang, "pc-stopped"), s.ArchivePC))
	}
	return strings.Join(out, " ")
}

// ElsewhereWords says, in lang, that the account's archive is on another
// PC than the one asking (desk report on a desk with per-worker archives).
func (s Status) ElsewhereWords(lang string) string {
	return fmt.Sprintf(word(lang, "report.elsewhere"), s.ArchivePC, s.ArchivePath, s.ArchivePC)
}

// ArchiveWords says where the account's archive is, on a desk with
// per-worker archives ("" on a shared desk, or before the backup).
func (s Status) ArchiveWords(lang string) string {
	if s.ArchivePC == "" {
		return ""
	}
	return fmt.Sprintf(word(lang, "archive.at"), s.ArchivePC, s.ArchivePath)
}

// StatusLine is one account's state in one line of lang, for the command
// line ("how far is mine?").
func StatusLine(s Status, lang string) string {
	line := fmt.Sprintf("%s (%s on %s): %s", s.Customer, s.OldUser, s.OldHost, word(lang, "state."+s.State))
	if s.State != StateDone {
		line += ", " + word(lang, "step") + " " + word(lang, "step."+s.Step)
		if p := s.Progress(); p > 0 {
			line += fmt.Sprintf(" %.0f%%", p*100)
		}
	}
	if w := s.ArchiveWords(lang); w != "" {
		line += " — " + word(lang, "archive") + ": " + w
	}
	if w := s.ErrorWords(lang); w != "" {
		line += " — " + w
	}
	for _, r := range s.GateReasons {
		line += " — " + r.pick(lang)
	}
	return line
}
