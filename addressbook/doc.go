// Package addressbook turns an archived mailbox into the address book its
// owner never kept: the people in the mail, decoded, ranked and exported in
// formats a new mail app or phone imports.
//
// # Reading
//
// Extraction reads one thing per message: the raw address header lines the
// backup stored in messages.addr_fields (From, Sender, Reply-To, To, Cc, Bcc
// and the list and automation headers), with the folder's name and role and
// the message's dates. It never opens message bodies: 100,000 messages
// take well under two seconds (BenchmarkExtract, BenchmarkFromArchive). FromArchive streams them from the SQLite archive;
// Extract and Builder take any other source.
//
// Header values are decoded by internal/mailtext's ParseAddressList, the
// decoder the archive's index and the windows use too: RFC 2047 encoded
// words in any charset real mail uses (CP932, ISO-2022-JP-MS, CP50220, ...),
// encoded words inside quotes, raw 8-bit bytes (UTF-8, else the most
// plausible of Shift_JIS, EUC-JP and Windows-1252), group syntax, names with
// unquoted commas, RFC 5322's obsolete forms. Broken input gives the best
// readable result and never loses an address: anything shaped like an address
// that the parser could not place is kept as a "stray" address.
//
// # The model
//
// A contact is one address. Spellings that differ only in case, or in the
// Unicode or punycode form of the domain, are the same address
// (mailtext.NormalizeEmail). Different addresses are never merged by name: two people
// called 佐藤 are common, and a wrong merge loses an address.
//
// Each message has a direction. The user sent it when it sits in the sent
// folder or its From (or Sender) is one of the user's addresses; drafts are
// never sent. Then its To, Cc and Bcc are people the user wrote to (SentTo,
// the strongest signal), and everyone else in it is only Seen. Otherwise its
// From, Sender and Reply-To wrote to the user (ReceivedFrom), and its other
// addresses are Seen. Each count is per message: someone in both To and Cc
// counts once. Copies of one message (the same Message-ID and address lines
// in INBOX and Gmail's All Mail) count once; their folders are still noted.
// Two different messages that share a Message-ID both count.
//
// The user's own addresses are the login and any Options.Self, plus each
// sender of the sent folder (the Sender header when there is one, as From
// is then the person the user wrote on behalf of) who sent at least a tenth
// of its messages, and more than one: a client's stray message filed in
// Sent does not make the client "you". They are left out of the contacts
// and listed in Book.Self, so a wrong guess shows; Options.NotSelf undoes
// one.
//
// Each contact keeps every name seen with counts (Japanese honorifics after
// a name, 様 and the like, removed), and a chosen display name: the one the
// person uses in their own From, else the most used.
//
// # Automated senders
//
// An address is automated when it says so (no-reply, mailer-daemon, bounces,
// postmaster, list robots), or when every message it was in was automated
// (List-Id, List-Unsubscribe, Precedence bulk/list/junk, Auto-Submitted other
// than "no") or in the junk folder. A person the user has sent mail to is
// never automated because of the messages they were in; only an address that
// cannot receive mail (no-reply, bounces, mailer-daemon) stays automated.
// Automated contacts are in the book, marked with a reason, and left out of
// exports unless asked for.
//
// # Ranking and export
//
// Contacts are ranked by a documented integer score (rank.go) with ties
// broken by address, and exported as vCard 4.0 or 3.0 (vcard.go) or as the
// CSV that Google Contacts or Outlook import (csv.go). Exports are
// byte-for-byte deterministic: the same archive gives the same file.
// ExportFile writes atomically; ExportToArchive does so and records the export
// ExportToArchive also records for the removal gate, in the same call.
package addressbook
