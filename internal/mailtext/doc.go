// Package mailtext is the one decoder of mail text: every package that
// shows, stores or searches the words of a message (backup's index and
// header columns, the address book, the windows, the announcement) reads
// them through it, so all of them read the same thing.
//
// # Charsets
//
// Lookup knows every label real mail uses: the IANA and WHATWG names, and
// the labels Windows and Japanese mailers write that neither index knows
// (CP932, Windows-31J, x-ms-cp932, sjis-win, CP50220, CP50221,
// ISO-2022-JP-MS, ks_c_5601-1987, ...). Importing the package makes
// go-message use the same table (CharsetReader). Text whose charset is not
// declared, or wrongly declared, is guessed (Guess): valid UTF-8 stays,
// ISO-2022-JP escapes are decoded, other 8-bit bytes are tried as
// Shift_JIS, EUC-JP and Windows-1252, and the most plausible reading wins
// (plausibility: kana and kanji between other CJK text score up, a kanji
// glued to Latin letters scores down, so "Formação" is not read as
// "Forma鈬o").
//
// # Header values
//
// Text decodes an unstructured value (Subject); ParseAddressList reads an
// address list, leniently: RFC 2047 words in any charset (also inside
// quotes, split characters, bad base64), raw 8-bit names, groups, names with
// unquoted commas, RFC 5322's obsolete syntax (comments and white space
// inside an address), and a safety net that keeps every address-shaped
// token. AddressText is the "Name <addr>, …" form the archive stores, and
// Who the first person of it, as a list of messages shows them.
//
// # Bodies
//
// BodyText gives the text of a message's text parts for the search index,
// walking the bytes in memory; BodyTextStream gives the same text through
// go-message's streaming reader for a message that is not in memory.
// ForDisplay reads a message for the reading pane. HTML becomes text through
// HTMLText in both.
//
// The package uses go-message, golang.org/x/text and the standard library,
// never the archive, IMAP or Fyne (internal/layering checks it).
package mailtext
