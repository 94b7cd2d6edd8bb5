// Package migrate moves an archived account into the new provider's
// account and drafts the message that tells the contacts. The archive it
// copies from is the one package gate verified.
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
// at a time, its flags (without \Recent, and without \Deleted: a message the
// old server had marked for deletion but kept is still mail, and the new
// account's mail app would expunge it on its first sync; the archive keeps
// the flag) and its internal date. APPENDs are
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
// records. A message whose APPEND was in flight when the connection broke
// may be stored by the server after the break, from what it had read, even
// after the next attempt looked at the folder. So the next attempt appends
// such messages last: it gives the server at least a second from the break
// and until the folder's UIDNEXT stays put, looks at the folder again, and
// then finds them there or appends them (copy_uncertain.go). A run that
// resumes where another stopped waits, likewise, until the folder it begins
// with is quiet before it looks at it.
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
