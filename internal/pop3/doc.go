// Package pop3 is Mailark's POP3 client: RFC 1939 with CAPA (RFC 2449),
// STLS (RFC 2595) and AUTH PLAIN (RFC 5034), written here because no
// maintained Go POP3 client is available.
//
// A Client is one authenticated session in the TRANSACTION state. Stat,
// List and UIDL read the maildrop's listing; Retr streams one message as an
// io.Reader that yields the message's exact bytes: the server's dot-stuffing
// undone, CRLF line ends kept, the terminating "." line removed. Nothing is
// held whole in memory: a response line longer than MaxLineBytes, a listing
// with more entries than the maildrop has messages, or a message longer than
// MaxMessageBytes ends the session with a clear error instead of growing.
// Every read waits at most IdleTimeout, a server that trickles is cut after
// TrickleWindow (imapconn.Watch, as for IMAP), and the connection is
// closed when the context given to Dial is done.
//
// The client only reads. Dele marks a message for deletion (the server
// deletes it at QUIT); only the removal gate may call it, for a message it
// verified in the archive.
//
// Connections are made and protected as package imapconn makes IMAP ones:
// implicit TLS (port 995), STLS (port 110) or plain text (loopback only,
// unless AllowInsecure), the same certificate checks and CAFile, and errors
// classified into the same mailerr Kinds.
package pop3
