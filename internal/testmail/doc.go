// Package testmail provides fixture messages for tests, built in code so
// that every byte is visible and nothing depends on files.
//
// Charsets returns one message per way of writing non-ASCII header text
// that Mailark meets: RFC 2047 words in UTF-8 (B and Q), ISO-2022-JP,
// Shift_JIS, EUC-JP, ISO-8859-1 and -15, windows-1252 and -1251, GB2312,
// Big5 and EUC-KR; the labels CP932 and ISO-2022-JP-MS; raw 8-bit UTF-8,
// Shift_JIS and EUC-JP; encoded words inside quotes; quoted names with
// commas; groups, empty or not; internationalized domains; broken and
// unknown encoded words. Each Fixture says which addresses (per header
// field) and which Subject a correct decoder returns, so the address book
// tests can use them as expectations. Fixtures marked Hard are those that
// go-message alone gets wrong; their Note says what to do instead.
//
// Broken returns malformed messages that a backup must store and give back
// byte for byte: no Message-ID, two messages with one Message-ID, bare LF
// and bare CR, NUL bytes, 8-bit junk in headers, a 2000-character header
// line, "From " and ">From " body lines, nested message/rfc822, an empty
// message, no final newline, headers only, and more.
//
// Large returns a valid multipart message of exactly the size asked, with a
// base64 attachment of deterministic noise, for memory and streaming tests.
//
// Every call builds fresh slices, so callers may change what they get.
package testmail
