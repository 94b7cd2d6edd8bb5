// Package gate decides whether an old account may go: it verifies the
// archive against the server and against itself, evaluates the removal
// gate's conditions, removes the account (the only code in Mailark that
// deletes mail from a server), and writes the removal report.
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
package gate
