// Package migrate makes leaving a mail provider safe: it proves that the
// archive holds every message before the account may go, and only then
// removes it.
//
// # Verification
//
// Verify compares an archive with the live server and with itself, and
// stores what it found in the archive (tables verifications,
// verification_folders and discrepancies; see docs/archive.md). Three things
// are checked:
//
//   - The archive against itself. Every folder generation's mbox file is read
//     again with mbox.Reader, up to the length SQLite committed, and each
//     entry's SHA-256, length and offset are compared with the message's row;
//     and SQLite's stored chunks are hashed and compared with the sha256 the
//     row holds. The two passes stream (one buffer, one chunk at a time) and
//     run side by side.
//   - The archive against the server. Every selectable folder on the server
//     must be archived under the same name with the same UIDVALIDITY (a
//     folder added or renamed on the server, or rebuilt with a new
//     UIDVALIDITY, is a discrepancy), and every UID on the server must be
//     archived with RFC822.SIZE equal to the stored length.
//   - With Deep, the bytes: every message is fetched again with BODY.PEEK[]
//     and hashed as it streams in, never held whole.
//
// The server is only read (EXAMINE, PEEK). Each discrepancy names the folder,
// the UID when it is about one message, and what was expected and found. A
// discrepancy is blocking when mail could be lost by removing the account
// now; the rest are notes (a message expunged on the server after the
// backup, an older folder generation with damage the server can no longer
// repair). A message is verified when it is on the server, archived whole in
// both the mbox file and SQLite, and its size (with Deep, its hash) matches;
// the verified UIDs of each folder are stored as an IMAP sequence set.
//
// # The removal gate
//
// Check evaluates five conditions and returns a Verdict, open only when all
// hold: the last verification found nothing blocking (verified); no message
// failed during backup (no-failures); no backup ran and no archive file
// changed since the verification (archive-unchanged: the mbox files' size
// and time, the rows per folder, and meta.content_version, which triggers
// bump on any INSERT, UPDATE or DELETE of messages, chunks or folders, and
// which only grows); nothing changed on the server since
// (server-unchanged: UIDVALIDITY, UIDNEXT and MESSAGES of every folder by one
// LIST-STATUS, or STATUS per folder, compared with what the verification
// saw); and the address book was exported after the last backup
// (contacts-exported, from the exports table). Any change closes the gate
// again, and the condition says why: Reason in English for logs, Code and
// Data for a UI to say it in the user's language (Condition.Text does it in
// English and Japanese).
//
// # Removal
//
// Remove re-checks the gate live and refuses when it is closed. It then
// forgets the account in Mailark (RemoveOptions.Forget; the archive records
// account_removed_at in any case). With DeleteFromServer it deletes from the
// old server exactly the UIDs the last verification verified, in folders the
// archive holds with the same UIDVALIDITY, after the user typed the account
// name, with UID STORE +FLAGS.SILENT (\Deleted) and UID EXPUNGE. A plain
// EXPUNGE (or CLOSE) would also remove messages someone else marked
// \Deleted, so a server without UIDPLUS is refused.
//
// The counters alone prove nothing: a folder rebuilt with other messages
// can have its old UIDVALIDITY, UIDNEXT and MESSAGES back. So before
// anything is deleted anywhere, the archive's copies of exactly the
// messages to be deleted are hashed again from SQLite and from the mbox
// file and compared with the SHA-256 stored at backup (ErrArchiveChanged),
// and every folder's set is fetched from the server (RFC822.SIZE,
// INTERNALDATE and the SHA-256 of BODY.PEEK[HEADER], or of BODY.PEEK[] with
// Deep) and compared with the archive (ErrServerChanged on any difference
// or a UID that does not answer). Then, just before each folder is
// changed, its counters and its set's sizes, dates and headers are checked
// once more.
//
// # The report
//
// BuildReport gathers what a customer and a support agent need: the verdict
// with its reasons, per-folder counts on the server and in the archive, the
// total size, every archive file with its SHA-256 (archive.sqlite after a
// checkpoint, and each mbox file), the address-book export, and times. It is
// written as JSON (stable field names, for support tools) and as one
// printable HTML page in one language, English or Japanese: the customer
// reads one language, and the JSON carries the rest.
//
// # Copying to the new account
//
// Copy puts the archive, not the old server, into the new account over IMAP:
// the archive is the verified source, and the old account may be gone.
//
// Folders are mapped before anything is copied (CopyMapping shows the plan):
// INBOX goes to INBOX; a folder with a special use (sent, drafts, trash,
// junk, archive) goes to the destination's folder of that use, whatever its
// name, so the old "Sent Messages" fills the new "\Sent"; every other folder
// keeps its name, split at the old server's hierarchy delimiter and joined
// with the new one's (LIST "" ""), its parts sent as modified UTF-7 by
// go-imap; a folder under a moved folder moves along. The user can override
// any of it (MappingOverride). When every old folder sat under "INBOX." (a
// Courier or Cyrus server), that prefix is left out; when the new server's
// personal namespace has a prefix, it is added. Only current folder
// generations are copied by default: an older generation (the old server
// changed UIDVALIDITY) usually holds the same mail again, so it goes only
// when asked, beside the current one as "NAME (uidvalidity N)".
//
// Each message is appended with its exact bytes, streamed from SQLite a chunk
// at a time, its flags (without \Recent) and its internal date. APPENDs are
// pipelined, up to CopyOptions.InFlight before the first answer is read, on
// CopyOptions.Connections connections at once (go-imap v2 has no
// MULTIAPPEND, and sends large literals synchronously; see copy_append.go).
// Each answer is recorded in the archive's copies table, with the new UID
// when the server has UIDPLUS (APPENDUID), in batches.
//
// A rerun copies only what has no record for the destination folder and its
// current UIDVALIDITY, so it adds nothing. A record can be missing for a
// message that did arrive: the run stopped between the server's OK and the
// record's commit, or the connection dropped with APPENDs in flight. So
// before appending into a folder that holds messages no record accounts for,
// Mailark reads those messages' Message-ID and internal date (one UID FETCH)
// and, for an archived message with the same Message-ID (or, without one,
// the same internal date), fetches the candidate with BODY.PEEK[] and
// compares its SHA-256 with the archive's (also after turning bare LF into
// CRLF, as servers do). A match is recorded as found, not appended again.
//
// A dropped connection is retried with backoff and the run goes on from the
// records; the wait also lets the server finish (or drop) the APPENDs it had
// read from the broken connection before the next attempt looks for them.
// A cancelled run stops sending at once but waits (up to 5 s) for the
// answers to the APPENDs already sent, and records them.
//
// A message the server refuses (too large, a NO) is listed with the server's
// words, recorded in copy_failures, and the rest goes on; a full account
// ([OVERQUOTA]) stops the run cleanly, with the number and size of the
// messages left. CheckDestination checks that every archived message is in
// the new account. Announce (announce.go) drafts the message that tells the
// contacts.
package migrate
