package gate

import (
	"fmt"
	"strings"
	"time"
)

// Lang is a language for the words a person reads: the report, and the
// CLI's lines about the gate. Engine errors and Reason fields stay English.
type Lang string

const (
	English  Lang = "en"
	Japanese Lang = "ja"
)

// ParseLang reads "ja", "ja_JP.UTF-8", "ja-JP" and the like as Japanese and
// anything else as English.
func ParseLang(s string) Lang {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "ja" || strings.HasPrefix(s, "ja_") || strings.HasPrefix(s, "ja-") || strings.HasPrefix(s, "ja.") {
		return Japanese
	}
	return English
}

// LangFromEnv picks the language the way the C library does: LC_ALL, then
// LC_MESSAGES, then LANG.
func LangFromEnv(getenv func(string) string) Lang {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			return ParseLang(v)
		}
	}
	return English
}

func (l Lang) pick(m map[Lang]map[string]string, key string) string {
	if s, ok := m[l][key]; ok {
		return s
	}
	return m[English][key]
}

// Text says the condition in lang, from its ID, Code and Data.
func (c Condition) Text(lang Lang) string {
	s := lang.pick(conditionText, c.ID+"."+c.Code)
	if s == "" {
		return c.Reason
	}
	return fill(s, c.Data, lang)
}

// Text says the discrepancy in lang, from its Kind and fields.
func (d Discrepancy) Text(lang Lang) string {
	key := string(d.Kind)
	if d.Kind == StoreNotImported && d.Folder == "" {
		key += ".pop" // a POP account with no store imported: no store to name
	}
	s := lang.pick(kindText, key)
	if s == "" {
		return d.Detail
	}
	return fill(s, map[string]string{"folder": d.Folder, "uid": fmt.Sprint(d.UID), "want": d.Want, "got": d.Got}, lang)
}

// Label is a word of the report in lang.
func (l Lang) Label(key string) string {
	if s := l.pick(labels, key); s != "" {
		return s
	}
	return key
}

// fill replaces {key} with data[key]; values of keys ending in "at" are
// times and are shown for reading.
func fill(s string, data map[string]string, lang Lang) string {
	for k, v := range data {
		if strings.HasSuffix(k, "at") {
			v = FormatTime(v, lang)
		}
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// FormatTime shows an RFC 3339 time for reading in the user's zone
// (time.Local), named: every time a person reads is in one zone, whatever
// zone the archive recorded it in (a run under TZ=UTC, another machine).
func FormatTime(s string, lang Lang) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	t = t.In(time.Local)
	if lang == Japanese {
		return t.Format("2006年1月2日 15:04 (MST)")
	}
	return t.Format("2 Jan 2006 15:04 (MST)")
}

var conditionText = map[Lang]map[string]string{
	English: {
		"verified.ok":                    "Verified on {at}: {verified} message(s) on the server are in the archive, whole.",
		"verified.never":                 "The archive has never been checked against the server. Run the verification.",
		"verified.problems":              "The last verification ({at}) found {count} problem(s).",
		"verified.damaged":               "The last verification ({at}) found {count} problem(s), some in the archive's own files. Repair the archive from its second copy, then verify again.",
		"no-failures.ok":                 "Every message the backup tried to save was saved.",
		"no-failures.never-backed-up":    "No backup has been made yet.",
		"no-failures.failures":           "{count} message(s) could not be saved by the backup. Run the backup again.",
		"archive-unchanged.ok":           "The archive has not changed since it was verified.",
		"archive-unchanged.not-verified": "The archive has not been verified yet.",
		"archive-unchanged.backup-since": "A backup ran ({at}) after the last verification. Verify again.",
		"archive-unchanged.changed":      "Files of the archive changed after the verification ({verified_at}). Verify again.",
		"server-unchanged.ok":            "Nothing has changed on the server since the verification.",
		"server-unchanged.not-verified":  "The server cannot be compared yet: the archive has not been verified.",
		"server-unchanged.not-checked":   "The server has not been checked since the verification.",
		"server-unchanged.unreachable":   "The server could not be reached to check for new mail.",
		"server-unchanged.changed":       "The server changed after the verification ({count} change(s)): new or removed mail or folders. Back up and verify again.",
		"contacts-exported.ok":           "The address book was exported on {at}: {contacts} contact(s) in {path}.",
		"contacts-exported.never":        "The address book has not been exported yet.",
		"mail-app-stores.ok":             "No mail app on this computer holds mail of this account that is not in the archive.",
		"mail-app-stores.not-imported":   "{app} on this computer holds {missing} message(s) of this account that are not in the archive ({path}). Import them with mailark import, then verify.",
		"mail-app-stores.not-read":       "Mailark cannot read {app}'s data yet ({path}). Keep it, or export its mail from {app} as .eml or mbox files and import those.",
		"mail-app-stores.unreadable":     "A mail app's store could not be read ({error}). Close the app and verify again.",
		"mail-app-stores.not-verified":   "A mail app's store was imported after the last verification. Verify again.",
		"mail-app-stores.pop-no-store":   "This account gets its mail by POP, so the mail lives in a mail app, and Mailark found none of it on this computer. Find the app's store (mailark stores), import it and verify before removing the account.",
		"mail-app-stores.only-here":      "Your old mail is only on this computer, in {app}: {messages} messages, {years}.",
		"mail-app-stores.saved":          "Your old mail from {app} on this computer ({messages} messages, {years}) is in the archive, verified.",
		"contacts-exported.before-backup": "The address book was exported ({at}) before the last backup ({backup_at}). " +
			"Export it again.",
	},
	Japanese: {
		"verified.ok":                     "{at} に検証済み：サーバー上の {verified} 通はすべて欠けることなくアーカイブにあります。",
		"verified.never":                  "アーカイブとサーバーの照合がまだ行われていません。検証を実行してください。",
		"verified.problems":               "前回の検証（{at}）で {count} 件の問題が見つかりました。",
		"verified.damaged":                "前回の検証（{at}）で {count} 件の問題が見つかり、その一部はアーカイブ自身のファイルにあります。もう一方の写しからアーカイブを修復し、もう一度検証してください。",
		"no-failures.ok":                  "バックアップで保存に失敗したメールはありません。",
		"no-failures.never-backed-up":     "まだバックアップが行われていません。",
		"no-failures.failures":            "{count} 通のメールをバックアップで保存できませんでした。もう一度バックアップを実行してください。",
		"archive-unchanged.ok":            "検証後、アーカイブは変更されていません。",
		"archive-unchanged.not-verified":  "アーカイブはまだ検証されていません。",
		"archive-unchanged.backup-since":  "前回の検証の後にバックアップが実行されました（{at}）。もう一度検証してください。",
		"archive-unchanged.changed":       "検証（{verified_at}）の後にアーカイブのファイルが変更されました。もう一度検証してください。",
		"server-unchanged.ok":             "検証後、サーバー上に変化はありません。",
		"server-unchanged.not-verified":   "アーカイブが未検証のため、サーバーと比較できません。",
		"server-unchanged.not-checked":    "検証後、サーバーの確認が行われていません。",
		"server-unchanged.unreachable":    "新着メールを確認するためにサーバーへ接続できませんでした。",
		"server-unchanged.changed":        "検証の後にサーバー上で変化がありました（{count} 件：メールやフォルダーの追加・削除）。もう一度バックアップと検証を行ってください。",
		"contacts-exported.ok":            "{at} にアドレス帳を書き出しました：{contacts} 件（{path}）。",
		"contacts-exported.never":         "アドレス帳がまだ書き出されていません。",
		"contacts-exported.before-backup": "アドレス帳の書き出し（{at}）が最後のバックアップ（{backup_at}）より前です。もう一度書き出してください。",
		"mail-app-stores.ok":              "このパソコンのメールソフトに、アーカイブにないこのアカウントのメールはありません。",
		"mail-app-stores.not-imported":    "このパソコンの {app} に、アーカイブにないこのアカウントのメールが {missing} 通あります（{path}）。mailark import で取り込んでから検証してください。",
		"mail-app-stores.not-read":        "Mailark は {app} のデータ（{path}）をまだ読めません。そのデータを残しておくか、{app} から .eml または mbox 形式で書き出して取り込んでください。",
		"mail-app-stores.unreadable":      "メールソフトのデータを読めませんでした（{error}）。メールソフトを閉じてからもう一度検証してください。",
		"mail-app-stores.not-verified":    "前回の検証の後にメールソフトのデータが取り込まれました。もう一度検証してください。",
		"mail-app-stores.pop-no-store":    "このアカウントは POP でメールを受信しているため、メールはメールソフトの中にありますが、このパソコンでは見つかりませんでした。アカウントを削除する前に、メールソフトのデータを探して（mailark stores）取り込み、検証してください。",
		"mail-app-stores.only-here":       "古いメールはこのパソコンの {app} の中にしかありません：{messages} 通、{years}。",
		"mail-app-stores.saved":           "このパソコンの {app} にあった古いメール（{messages} 通、{years}）はアーカイブに保存され、検証済みです。",
	},
}

var kindText = map[Lang]map[string]string{
	English: {
		string(FolderNotArchived):         "{folder}: on the server but not in the archive",
		string(UIDValidityChanged):        "{folder}: the folder was rebuilt on the server (UIDVALIDITY {want} → {got})",
		string(FolderNotOnServer):         "{folder}: in the archive, no longer on the server",
		string(FolderUnreadable):          "{folder}: the server would not open this folder",
		string(MessageMissing):            "{folder} UID {uid}: on the server but not in the archive",
		string(SizeDiffers):               "{folder} UID {uid}: the size differs (archive {want} bytes, server {got})",
		string(MessageNotOnServer):        "{folder} UID {uid}: in the archive, no longer on the server",
		string(ServerNotChecked):          "{folder}: its server was not asked by this check (POP3 and IMAP are verified apart); verify it with its own protocol",
		string(ServerContentDiffers):      "{folder} UID {uid}: the server's copy differs from the archive's",
		string(MboxFileMissing):           "{folder}: the mbox file is missing",
		string(MboxTruncated):             "{folder}: the mbox file is shorter than recorded ({got} of {want} bytes)",
		string(MboxUnreadable):            "{folder}: the mbox file cannot be read",
		string(MboxMessageMissing):        "{folder} UID {uid}: missing from the mbox file",
		string(MboxMessageDiffers):        "{folder} UID {uid}: the copy in the mbox file differs",
		string(MboxOffsetDiffers):         "{folder} UID {uid}: in the mbox file, but not at the recorded place",
		string(MboxExtraEntry):            "{folder}: the mbox file holds a message the database does not list",
		string(StoredMissing):             "{folder} UID {uid}: the database holds no copy",
		string(StoredDiffers):             "{folder} UID {uid}: the database's copy is damaged",
		string(MessageFailed):             "{folder} UID {uid}: the backup could not save it ({got})",
		string(ServerFolderAdded):         "{folder}: a new folder on the server",
		string(ServerFolderGone):          "{folder}: gone from the server",
		string(ServerNewMail):             "{folder}: new mail on the server",
		string(ServerMailRemoved):         "{folder}: messages removed on the server ({want} → {got})",
		string(ServerNewUIDValid):         "{folder}: the folder was rebuilt on the server",
		string(ArchiveFileChanged):        "{folder}: the mbox file changed after the verification",
		string(ArchiveRowsChanged):        "{folder}: the database changed after the verification",
		string(StoreNotRead):              "{folder}: Mailark cannot read this data yet ({got})",
		string(StoreUnreadable):           "{folder}: could not be read ({got})",
		string(StoreNotImported):          "{folder}: {want} message(s) not in the archive ({got})",
		string(StoreNotVerified):          "{folder}: imported after the last verification ({got})",
		string(StoreNotImported) + ".pop": "no mail app's store of this POP account is imported and verified",
		string(StoreGone):                 "{folder}: the store is no longer on this computer ({want}); its mail is in the archive",
	},
	Japanese: {
		string(FolderNotArchived):         "{folder}：サーバーにあるがアーカイブにないフォルダー",
		string(UIDValidityChanged):        "{folder}：サーバー上でフォルダーが作り直されました（UIDVALIDITY {want} → {got}）",
		string(FolderNotOnServer):         "{folder}：アーカイブにあるが、サーバーにはもうないフォルダー",
		string(FolderUnreadable):          "{folder}：サーバーがこのフォルダーを開けませんでした",
		string(MessageMissing):            "{folder} UID {uid}：サーバーにあるがアーカイブにないメール",
		string(SizeDiffers):               "{folder} UID {uid}：サイズが違います（アーカイブ {want} バイト、サーバー {got} バイト）",
		string(MessageNotOnServer):        "{folder} UID {uid}：アーカイブにあるが、サーバーにはもうないメール",
		string(ServerNotChecked):          "{folder}：この確認ではそのサーバーに問い合わせていません（POP3 と IMAP は別々に検証します）。そのプロトコルで検証してください",
		string(ServerContentDiffers):      "{folder} UID {uid}：サーバー上の内容がアーカイブと違います",
		string(MboxFileMissing):           "{folder}：mbox ファイルがありません",
		string(MboxTruncated):             "{folder}：mbox ファイルが記録より短くなっています（{want} バイト中 {got} バイト）",
		string(MboxUnreadable):            "{folder}：mbox ファイルを読めません",
		string(MboxMessageMissing):        "{folder} UID {uid}：mbox ファイルにありません",
		string(MboxMessageDiffers):        "{folder} UID {uid}：mbox ファイル内の内容が違います",
		string(MboxOffsetDiffers):         "{folder} UID {uid}：mbox ファイル内にあるが、記録された位置にありません",
		string(MboxExtraEntry):            "{folder}：データベースにないメールが mbox ファイルにあります",
		string(StoredMissing):             "{folder} UID {uid}：データベースに本文がありません",
		string(StoredDiffers):             "{folder} UID {uid}：データベース内の内容が壊れています",
		string(MessageFailed):             "{folder} UID {uid}：バックアップで保存できませんでした（{got}）",
		string(ServerFolderAdded):         "{folder}：サーバーに新しいフォルダーがあります",
		string(ServerFolderGone):          "{folder}：サーバーからなくなりました",
		string(ServerNewMail):             "{folder}：サーバーに新着メールがあります",
		string(ServerMailRemoved):         "{folder}：サーバー上でメールが削除されました（{want} → {got}）",
		string(ServerNewUIDValid):         "{folder}：サーバー上でフォルダーが作り直されました",
		string(ArchiveFileChanged):        "{folder}：検証後に mbox ファイルが変更されました",
		string(ArchiveRowsChanged):        "{folder}：検証後にデータベースが変更されました",
		string(StoreNotRead):              "{folder}：Mailark はこのデータをまだ読めません（{got}）",
		string(StoreUnreadable):           "{folder}：読めませんでした（{got}）",
		string(StoreNotImported):          "{folder}：アーカイブにないメールが {want} 通あります（{got}）",
		string(StoreNotVerified):          "{folder}：前回の検証の後に取り込まれました（{got}）",
		string(StoreNotImported) + ".pop": "この POP アカウントのメールソフトのデータは、まだ取り込まれておらず検証もされていません",
		string(StoreGone):                 "{folder}：このパソコンにもうありません（{want}）。メールはアーカイブにあります",
	},
}

var labels = map[Lang]map[string]string{
	English: {
		"title":                  "Mailark report: is it safe to remove this mail account?",
		"safe":                   "Safe to remove",
		"notsafe":                "Not yet safe",
		"safe.sub":               "Every message on the server is in the archive, whole, and the address book is exported. How it was checked is below.",
		"notsafe.sub":            "Do not remove the account yet. The reasons are listed below.",
		"unchecked":              "Not checked now",
		"unchecked.sub":          "The archive's records meet every condition, but the server was not asked for this report, so it cannot say the account is safe to remove. Make the report again with the server's connection settings.",
		"notchecked":             "not checked against the server",
		"account":                "Account",
		"server":                 "Server",
		"generated":              "Report made",
		"checked":                "Gate checked",
		"checked.offline":        "(from the archive; the server was not asked for this report)",
		"archive":                "Archive folder",
		"conditions":             "Conditions for removal",
		"ok":                     "OK",
		"notok":                  "Not yet",
		"folders":                "Folders",
		"folder":                 "Folder",
		"onserver":               "On server",
		"inarchive":              "In archive",
		"verified":               "Verified",
		"size":                   "Size in archive",
		"total":                  "Total",
		"older":                  "older copy (UIDVALIDITY {uidvalidity})",
		"notonserver":            "no longer on the server",
		"notinarchive":           "not in the archive",
		"files":                  "Archive files and their SHA-256",
		"vouches":                "What this report vouches for",
		"vouches.line":           "{messages} message(s) in {folders} folder(s), as archived on {at}, fingerprinted:",
		"vouches.how":            "Over every message's folder, UIDVALIDITY, UID and SHA-256 (recompute it with sqlite3: docs/archive.md); a later address-book export does not change it. The JSON report lists each file's hash.",
		"file":                   "File",
		"bytes":                  "Bytes",
		"missing":                "missing",
		"contacts":               "Address book",
		"contacts.none":          "Not exported yet.",
		"contacts.line":          "{contacts} contact(s) exported on {at} as {format} to {path}",
		"lastbackup":             "Last backup",
		"lastverify":             "Last verification",
		"deep":                   "deep (every message fetched again and compared)",
		"shallow":                "sizes compared with the server; archive files re-read and hashed",
		"never":                  "never",
		"problems":               "Problems found by the last verification",
		"problems.more":          "… and {count} more (all are stored in the archive)",
		"removed":                "The account was removed in Mailark on {at}.",
		"footer":                 "Made by Mailark. The JSON report beside this file holds the same data for support tools.",
		"none":                   "—",
		"role.inbox":             "Inbox",
		"role.sent":              "Sent",
		"role.drafts":            "Drafts",
		"role.trash":             "Trash",
		"role.junk":              "Junk",
		"role.archive":           "Archive",
		"status.ok":              "completed",
		"status.failures":        "completed with failures",
		"status.error":           "stopped by an error",
		"status.cancelled":       "stopped",
		"status.running":         "did not finish",
		"status.interrupted":     "stopped before it finished (killed)",
		"cli.verified":           "{verified} message(s) verified ({how}); {messages} archived message(s), {bytes}, checked.",
		"cli.problem":            "PROBLEM",
		"cli.note":               "note",
		"cli.notes":              "{count} note(s) (the mail is safe in the archive):",
		"cli.offline":            "(The server was not asked for this report; give the connection flags to check it now.)",
		"cli.pop3.again":         "Run mailark backup --protocol pop3 again, then verify again.",
		"verify.line":            "{at}: {verified} message(s) verified, {problems} problem(s)",
		"backup.line":            "{at}: {status}",
		"cond.verified":          "The archive was verified against the server",
		"cond.no-failures":       "Nothing failed during the backup",
		"cond.archive-unchanged": "The archive is unchanged since the verification",
		"cond.server-unchanged":  "Nothing new on the server since the verification",
		"cond.contacts-exported": "The address book was exported after the last backup",
		"cond.mail-app-stores":   "No mail app on this computer holds mail of this account that is not in the archive",
		"stores":                 "Mail apps on this computer",
		"store.app":              "App",
		"store.account":          "Account",
		"store.messages":         "Messages",
		"store.missing":          "Not in the archive",
		"store.years":            "Dates",
		"store.notread":          "not read by Mailark",
		"store.none":             "No mail app on this computer holds mail of this account.",
		"store.partial":          "{count} message(s) are incomplete in the app itself (an attachment file is gone); they are archived as the app holds them.",
	},
	Japanese: {
		"title":                  "Mailark レポート：このメールアカウントを削除しても安全か",
		"safe":                   "削除しても安全です",
		"notsafe":                "まだ安全ではありません",
		"safe.sub":               "サーバー上のすべてのメールが欠けることなくアーカイブにあり、アドレス帳も書き出されています。確認の方法は下記のとおりです。",
		"notsafe.sub":            "まだアカウントを削除しないでください。理由は以下のとおりです。",
		"unchecked":              "現在の状態は未確認です",
		"unchecked.sub":          "アーカイブの記録はすべての条件を満たしていますが、このレポートのためにサーバーへは接続していないため、削除しても安全とは言えません。サーバーの接続設定を指定してレポートを作り直してください。",
		"notchecked":             "サーバーとはまだ照合していません",
		"account":                "アカウント",
		"server":                 "サーバー",
		"generated":              "レポート作成",
		"checked":                "確認日時",
		"checked.offline":        "（アーカイブの記録による。このレポートのためにサーバーへは接続していません）",
		"archive":                "アーカイブのフォルダー",
		"conditions":             "削除の条件",
		"ok":                     "OK",
		"notok":                  "未達",
		"folders":                "フォルダー",
		"folder":                 "フォルダー",
		"onserver":               "サーバー",
		"inarchive":              "アーカイブ",
		"verified":               "検証済み",
		"size":                   "アーカイブ内のサイズ",
		"total":                  "合計",
		"older":                  "以前のコピー（UIDVALIDITY {uidvalidity}）",
		"notonserver":            "サーバーにはもうありません",
		"notinarchive":           "アーカイブにありません",
		"files":                  "アーカイブのファイルと SHA-256",
		"vouches":                "このレポートが保証する内容",
		"vouches.line":           "{at} の時点でアーカイブされた {folders} フォルダー・{messages} 通のメール。その指紋：",
		"vouches.how":            "全メールのフォルダー・UIDVALIDITY・UID・SHA-256 から計算（sqlite3 での再計算は docs/archive.md）。後でアドレス帳を書き出しても変わりません。各ファイルのハッシュは JSON レポートにあります。",
		"file":                   "ファイル",
		"bytes":                  "バイト数",
		"missing":                "ありません",
		"contacts":               "アドレス帳",
		"contacts.none":          "まだ書き出されていません。",
		"contacts.line":          "{at} に {contacts} 件を {format} 形式で書き出しました：{path}",
		"lastbackup":             "最後のバックアップ",
		"lastverify":             "最後の検証",
		"deep":                   "詳細（すべてのメールを再取得して比較）",
		"shallow":                "サーバーとサイズを比較し、アーカイブのファイルを読み直してハッシュを確認",
		"never":                  "未実施",
		"problems":               "前回の検証で見つかった問題",
		"problems.more":          "…ほか {count} 件（すべてアーカイブに記録されています）",
		"removed":                "{at} に Mailark からこのアカウントを削除しました。",
		"footer":                 "Mailark が作成しました。同じ内容はサポート用に JSON レポートにも書き出されています。",
		"none":                   "—",
		"role.inbox":             "受信トレイ",
		"role.sent":              "送信済み",
		"role.drafts":            "下書き",
		"role.trash":             "ゴミ箱",
		"role.junk":              "迷惑メール",
		"role.archive":           "アーカイブ",
		"status.ok":              "完了",
		"status.failures":        "完了（保存できなかったメールあり）",
		"status.error":           "エラーで停止",
		"status.cancelled":       "中断",
		"status.running":         "未完了",
		"status.interrupted":     "途中で停止（強制終了）",
		"cli.verified":           "{verified} 通を検証しました（{how}）。アーカイブの {messages} 通（{bytes}）を確認しました。",
		"cli.problem":            "問題",
		"cli.note":               "注記",
		"cli.notes":              "注記 {count} 件（メールはアーカイブに安全にあります）：",
		"cli.offline":            "（このレポートのためにサーバーへは接続していません。今の状態を確認するには接続のオプションを指定してください。）",
		"cli.pop3.again":         "もう一度 mailark backup --protocol pop3 を実行してから、検証し直してください。",
		"verify.line":            "{at}：{verified} 通を検証、問題 {problems} 件",
		"backup.line":            "{at}：{status}",
		"cond.verified":          "アーカイブをサーバーと照合済み",
		"cond.no-failures":       "バックアップで失敗したメールがない",
		"cond.archive-unchanged": "検証後にアーカイブが変更されていない",
		"cond.server-unchanged":  "検証後にサーバーに新しいメールがない",
		"cond.contacts-exported": "最後のバックアップの後にアドレス帳を書き出した",
		"cond.mail-app-stores":   "このパソコンのメールソフトに、アーカイブにないメールがない",
		"stores":                 "このパソコンのメールソフト",
		"store.app":              "ソフト",
		"store.account":          "アカウント",
		"store.messages":         "メール数",
		"store.missing":          "アーカイブにないもの",
		"store.years":            "期間",
		"store.notread":          "Mailark では読めません",
		"store.none":             "このパソコンのメールソフトに、このアカウントのメールはありません。",
		"store.partial":          "{count} 通はメールソフトの中ですでに不完全です（添付ファイルが失われています）。メールソフトにあるとおりに保存しました。",
	},
}
