// Package archive is Mailark's local store: a SQLite database and one mboxrd
// file per folder, kept in agreement.
//
// docs/archive.md describes the format for people with sqlite3. The model in
// short: a folder generation (name + UIDVALIDITY) owns one mbox file and the
// messages rows that point into it. Messages arrive in batches. A Batch
// appends entries to the mbox file past its committed end, and at Commit
// fsyncs the file and then commits one SQLite transaction holding the rows,
// the exact bytes (in 1 MiB chunks), the full-text index (or, for a backup,
// a mark that the message is not indexed yet: index.go) and the file's new
// committed length (folders.mbox_size). Opening an archive truncates every
// mbox file back to its committed length, so a crash at any moment leaves both
// archives holding the same messages, none torn and none twice.
//
// One process writes an archive at a time: Open takes an exclusive lock on
// DIR/lock. Readers (verify, contacts, search) may open it alongside with
// ReadOnly.
//
// This package is the only code that runs SQL on the archive: it exports no
// database handle. Others use its typed methods, one concern per file:
// account.go (whose account), counts.go, rows.go (row iterators for
// verification), people.go (what the address book reads), exports.go,
// copies.go (the copy log of package migrate), verify.go and run.go (what
// the gate and backup record). schema.go holds the versioned schema and its
// upgrade; sqlerr.go the one classifier of SQLite's result codes.
package archive
