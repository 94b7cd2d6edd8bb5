// Package mbox writes and reads the mboxrd files of a Mailark archive, one
// message at a time and in bounded memory, with the standard library only.
//
// # The format
//
// docs/archive.md ("The mbox files") is the specification; in short, an
// mbox file is a run of entries, and an entry is:
//
//   - a separator line "From SENDER DATE\n". SENDER is one token: the
//     envelope sender with spaces, control characters and non-ASCII bytes
//     replaced by '_' (see SenderToken), "MAILER-DAEMON" when unknown. DATE
//     is the time in UTC in asctime form, "Tue Mar  5 09:04:11 2024";
//   - the message, with one more '>' in front of every line that matches
//     ^>*From  (mboxrd quoting, reversible for every message);
//   - one final "\n".
//
// A line is what ends at a '\n'. The file is bytes, not text: CRLF, a bare
// CR, NUL and 8-bit bytes are message content like any other byte, and only
// "From " straight after a '\n' (or at the start of the file) starts an
// entry.
//
// A message whose last byte is not '\n' could not be told apart from one
// that has it once the final "\n" is added. For such a message Mailark
// writes "\n" to end its last line and then the final "\n", and ends the
// separator line with the field " mailark-no-final-newline", which tells
// Reader to strip two newlines instead of one. Other readers ignore the
// field: mutt (checked with 2.2.12, which wants a date it can parse on a
// separator line and skips anything after the year) and Python's
// mailbox.mbox show the message with a final newline. The empty message is
// the separator line and the final "\n"; it never has the field.
//
// # Writing
//
// WriteMessage reads the message through io.ReaderAt: it looks at the last
// byte first, to know which separator line to write, and then streams the
// message through a fixed 64 KiB buffer. Quoting looks only at the start of
// each line, and one '>' in front of "From " is the same as one in front of
// the line's run of '>', so a line may be any length and a "From " may
// straddle two reads. EntryLength gives the length of an entry without
// writing it.
//
// # Reading
//
// Reader reads entries in order through one fixed buffer; an Entry's Body
// streams the message, so neither a long message nor a long line is ever
// held whole. An entry runs from its separator line to the next line that
// starts with "From ", or to the end of the file. Body takes one '>' from
// each line that matches ^>+From  and leaves out the final newline(s): for
// an entry Mailark wrote, it gives back exactly the bytes given to
// WriteMessage, and Offset and Length are where the entry lies.
//
// Reader also reads mbox files from other programs: a separator line may
// carry a time zone or other fields after the date, or no date it can
// parse (Time is then zero); a message not followed by a blank line comes
// back without its last '\n', and nothing else is lost. A file that does not start with "From " is not an
// mbox file (ErrNotMbox). Nothing in a file makes Reader panic or read
// without end.
//
// # A file cut short
//
// A file cut inside an entry ends with that entry, marked Truncated; its
// Body gives every byte found and then ErrTruncated instead of io.EOF, and
// Next then returns io.EOF. A file cut inside the "From " of a separator
// line ends with a truncated entry holding that part line. A cut that falls
// just after the newline(s) an entry ends with cannot be seen, as the file
// is then a whole mbox file. Mailark's archive never reads past its
// committed length (folders.mbox_size), so it does not meet cut files; the
// rules are for files handled by other tools and for partial copies.
//
// A Reader and the Body of its current entry are not safe for use by more
// than one goroutine at a time.
package mbox
