// Package demo holds the generated "old provider" account that the demo
// mode and the tests back up, and serves it with go-imap's in-memory
// server.
//
// # The account
//
// An Account is what a provider holds for one user: a login and a list of
// Folders, each a decoded '/'-separated name, an optional RFC 6154 special
// use, and Messages in arrival (UID) order. A Message is the raw bytes a
// server returns for BODY[] (CRLF line ends), its flags and its internal
// date.
//
// OldProvider returns the demo account of 山田 花子 (Hanako Yamada), who
// runs a small design studio from demo@old-isp.example (alias
// hanako@old-isp.example). It is generated from a fixed seed on first use,
// in about 0.1–0.2 s, and every call returns a deep copy of the same bytes.
// About fifty clients (Japanese and English speakers, several people per
// company) write to her, she answers (Sent), and the mail has what real
// Japanese mailboxes have:
//
//   - headers in RFC 2047 ISO-2022-JP, Shift_JIS, EUC-JP and UTF-8 (B and Q),
//     with bodies in the same charsets (7bit, 8bit, base64, quoted-printable);
//   - two senders whose old program writes raw 8-bit Shift_JIS display names;
//   - quoted names with commas ("Suzuki, Ichiro"), several To and Cc
//     addresses, Reply-To, people who sometimes use another display name,
//     a client who changed address in April 2023, and bounces from
//     MAILER-DAEMON for mail sent to her old address and to a misspelt one;
//   - replies with In-Reply-To, References and quoted text, and English
//     bodies with lines that start with "From " (for mbox quoting);
//   - attachments (PDF-like files and real PNG images, file names in
//     RFC 2047 or RFC 2231 form, a few of 100–500 KB), HTML mail
//     (multipart/alternative), newsletters and a mailing list (List-Id,
//     List-Unsubscribe, Precedence: bulk), noreply notices, and spam in
//     GB2312, windows-1251, Shift_JIS and UTF-8;
//   - subjects with the two-character words 会議, 見積 and 請求
//     (for example "会議の件"), for the search tests.
//
// Dates run from January 2019 to February 2026. Received mail has the
// internal date of its delivery: the Date header plus a few seconds, in
// JST. Mail the owner wrote (Sent, Drafts) has its Date as internal date.
// Message-IDs are unique, except that two INBOX messages were also filed,
// byte for byte, in 取引先.
//
// The folders and their message counts (TestOldProviderCounts keeps this
// table true):
//
//	INBOX                     248
//	Sent          \Sent       138
//	Drafts        \Drafts       8
//	Trash         \Trash       32
//	Junk          \Junk        26
//	Archive       \Archive      6
//	Archive/2019               70
//	取引先                      62
//	取引先/見積                 25
//
// Every message parses with go-message; deliberately broken mail lives in
// internal/testmail instead.
//
// NewProvider returns the account the mail moves to: Hanako's address at
// her new provider (hanako@new-provider.example), empty but for INBOX.
// MemServer.AddAccount serves it beside the old one on the same server, as
// the app's demo does for its step 6.
//
// # The server
//
// Serve runs go-imap's imapserver with an imapmemserver holding an account,
// advertising IMAP4rev1 and IMAP4rev2 (so LIST-STATUS, MOVE and UIDPLUS)
// and allowing plain LOGIN without TLS, as only loopback use is meant.
// NewMemServer gives the same server as a MemServer whose methods change
// mail while clients are connected: Append, Expunge, SetFlags,
// CreateFolder, DeleteFolder, RenameFolder and RecreateFolder (a new
// UIDVALIDITY). Folders are created in account order, so UIDVALIDITY
// values are small integers, and UIDs count from 1 in account order.
//
// imapmemserver does not report special-use attributes (SpecialUse is not
// visible over IMAP here) and returns flags in lower case ("\seen"); IMAP
// flags are case-insensitive, so compare them that way.
package demo
