// Package backup copies every message of every folder of an IMAP account
// into a Mailark archive.
//
// A run lists every folder (subscribed or not), and for each selectable one
// compares the server's UIDVALIDITY and UIDs with what the archive holds; it
// fetches only what is missing, with BODY.PEEK so that the server is only
// read, never changed. Messages stream from the connection into a bounded
// in-memory buffer (or a spool file for large ones; buffers.go keeps the
// buffers of written messages for the next ones), are hashed, their
// header parsed (by internal/mailtext, the decoder the address book and the
// windows use too), and go to the archive in batches that commit all or
// nothing. Their text is decoded for the full-text index after they are
// durable, by a stage of the same run after the writer (index.go): safe
// first, searchable after.
//
// A session fetches over Options.Connections connections (default 4, at
// most the host's cap), see fan.go: folders side by side and a large folder
// split into runs of UIDs, each connection sending its next UID FETCH
// while it reads the current answer, about two round trips before that
// answer ends (lead.go), so that no round trip stands idle and the
// connections run out of work together. One goroutine writes the
// archive, folder after folder, so the guarantees below hold with any
// number of connections, and the in-flight byte budget is shared by all.
// A server that refuses a connection, or cuts one for its limit, leaves
// the run with fewer: never an error.
//
// When the server offers COMPRESS=DEFLATE, Options.Compress decides
// (compress.go): by default the run measures what its connections deliver
// and compresses only on a link slow enough to gain from it. The bytes
// stored are the server's either way.
//
// Running again is how a stopped run resumes: the plan is recomputed from the
// archive, so a crash, a kill or a dropped connection loses at most one
// uncommitted batch, which the next attempt fetches again. A dropped
// connection is retried with backoff within the same run.
//
// A message the server cannot deliver is recorded as a failure in the
// archive, listed in the Summary and retried by the next run; it never stops
// the rest. Every UID asked for ends as a message or a failure: one the
// server leaves out of an OK answer is a failure too, and the folder is not
// marked complete. The fetch's EXAMINE checks UIDVALIDITY against the plan;
// on a change the folder is planned again, as a new generation.
//
// A run has a no-progress deadline, Options.StallTimeout (stall.go): a
// connection silent, or trickling, for half of it is dropped and retried,
// and a run in which nothing moved for all of it ends with a StallError.
package backup
