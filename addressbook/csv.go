package addressbook

import (
	"bufio"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/unicode/norm"
)

// CSV export: Google Contacts and Outlook import formats.
//
// The Google header is the one Google Contacts writes in its own "Google CSV"
// export and reads back on import (First Name, ..., Labels, E-mail 1 - Label,
// E-mail 1 - Value). The Outlook header is Outlook's import template
// (outlook.com and Outlook's "Comma Separated Values" import), every field
// quoted, as Outlook writes it. Both: CRLF line ends, UTF-8 with a byte order
// mark by default (Excel and Outlook need it to read UTF-8), or Shift_JIS.
//
// A field beginning with = + - @ (a spreadsheet formula) gets a leading
// apostrophe, so opening the file in a spreadsheet never runs a formula a
// sender put in a display name.

var googleHeader = []string{
	"First Name", "Middle Name", "Last Name", "Phonetic First Name", "Phonetic Middle Name",
	"Phonetic Last Name", "Name Prefix", "Name Suffix", "Nickname", "File As", "Organization Name",
	"Organization Title", "Organization Department", "Birthday", "Notes", "Photo", "Labels",
	"E-mail 1 - Label", "E-mail 1 - Value",
}

var outlookHeader = []string{
	"First Name", "Middle Name", "Last Name", "Title", "Suffix", "Nickname", "Given Yomi", "Surname Yomi",
	"E-mail Address", "E-mail 2 Address", "E-mail 3 Address", "Home Phone", "Home Phone 2",
	"Business Phone", "Business Phone 2", "Mobile Phone", "Car Phone", "Other Phone", "Primary Phone",
	"Pager", "Business Fax", "Home Fax", "Other Fax", "Company Main Phone", "Callback", "Radio Phone",
	"Telex", "TTY/TDD Phone", "IMAddress", "Job Title", "Department", "Company", "Office Location",
	"Manager's Name", "Assistant's Name", "Assistant's Phone", "Company Yomi", "Business Street",
	"Business City", "Business State", "Business Postal Code", "Business Country/Region", "Home Street",
	"Home City", "Home State", "Home Postal Code", "Home Country/Region", "Other Street", "Other City",
	"Other State", "Other Postal Code", "Other Country/Region", "Personal Web Page", "Spouse", "Schools",
	"Hobby", "Location", "Web Page", "Birthday", "Anniversary", "Notes",
}

func csvIndex(header []string, name string) int {
	for i, h := range header {
		if h == name {
			return i
		}
	}
	panic("addressbook: no CSV column " + name) // a broken table in this file
}

var (
	gFirst, gMiddle, gLast = csvIndex(googleHeader, "First Name"), csvIndex(googleHeader, "Middle Name"), csvIndex(googleHeader, "Last Name")
	gNotes, gLabels        = csvIndex(googleHeader, "Notes"), csvIndex(googleHeader, "Labels")
	gMailLabel, gMail      = csvIndex(googleHeader, "E-mail 1 - Label"), csvIndex(googleHeader, "E-mail 1 - Value")
	oFirst, oMiddle, oLast = csvIndex(outlookHeader, "First Name"), csvIndex(outlookHeader, "Middle Name"), csvIndex(outlookHeader, "Last Name")
	oMail, oNotes          = csvIndex(outlookHeader, "E-mail Address"), csvIndex(outlookHeader, "Notes")
)

func writeCSV(w io.Writer, contacts []*Contact, f Format, opts ExportOptions) (replaced, skipped []string, err error) {
	header, quoteAll := googleHeader, false
	if f == FormatOutlookCSV {
		header, quoteAll = outlookHeader, true
	}
	cw := &csvWriter{w: bufio.NewWriter(w), quoteAll: quoteAll, enc: opts.Encoding, replace: opts.ReplaceUnencodable}
	if opts.Encoding == UTF8BOM {
		cw.w.WriteString("\ufeff")
	}
	if err := cw.row(header, ""); err != nil {
		return nil, nil, err
	}
	row := make([]string, len(header))
	for _, c := range contacts {
		clear(row)
		email := c.Email()
		if opts.Encoding == ShiftJIS {
			// An address is never altered: written as it is, or with its
			// domain in IDNA form (the same address), or not at all.
			var ok bool
			if email, ok = sjisAddress(email); !ok {
				skipped = append(skipped, c.Email())
				continue
			}
		}
		p := SplitName(c.Name)
		note := opts.Note(c)
		if f == FormatGoogleCSV {
			row[gFirst], row[gMiddle], row[gLast] = p.Given, p.Middle, p.Family
			row[gNotes] = note
			row[gLabels] = "* myContacts ::: Mailark"
			if c.Automated {
				row[gLabels] += " ::: Automated"
			}
			row[gMailLabel], row[gMail] = "* Other", email
		} else {
			row[oFirst], row[oMiddle], row[oLast] = p.Given, p.Middle, p.Family
			row[oMail], row[oNotes] = email, note
		}
		cw.replaced = false
		if err := cw.row(row, c.Email()); err != nil {
			return nil, nil, err
		}
		if cw.replaced {
			replaced = append(replaced, c.Email())
		}
	}
	return replaced, skipped, cw.w.Flush()
}

// sjisAddress is addr as Shift_JIS can hold it without a change of
// address: as it is, or with the domain in its IDNA (xn--) form. ok is
// false when neither can be written (a local part Shift_JIS lacks).
func sjisAddress(addr string) (string, bool) {
	if _, err := japanese.ShiftJIS.NewEncoder().String(addr); err == nil && !strings.ContainsRune(addr, '?') {
		return addr, true
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "", false
	}
	local, domain := addr[:at], addr[at+1:]
	ascii, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		return "", false
	}
	out := local + "@" + ascii
	if _, err := japanese.ShiftJIS.NewEncoder().String(out); err != nil {
		return "", false
	}
	return out, true
}

type csvWriter struct {
	w        *bufio.Writer
	quoteAll bool
	enc      Encoding
	replace  bool
	replaced bool
	scratch  []byte
}

func (cw *csvWriter) row(fields []string, contact string) error {
	for i, f := range fields {
		if i > 0 {
			cw.w.WriteByte(',')
		}
		if f != "" && strings.ContainsRune("=+-@", rune(f[0])) {
			f = "'" + f
		}
		if cw.quoteAll || strings.ContainsAny(f, "\",\r\n") || f != strings.TrimSpace(f) {
			f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
		}
		if err := cw.write(f, contact); err != nil {
			return err
		}
	}
	_, err := cw.w.WriteString("\r\n")
	return err
}

func (cw *csvWriter) write(s, contact string) error {
	if cw.enc != ShiftJIS {
		_, err := cw.w.WriteString(s)
		return err
	}
	b, replaced, err := toShiftJIS(cw.scratch[:0], s, contact, cw.replace)
	cw.scratch = b
	cw.replaced = cw.replaced || replaced
	if err != nil {
		return err
	}
	_, err = cw.w.Write(b)
	return err
}

// sjisLookalikes maps characters that Shift_JIS text decoded by a JIS-based
// (non-Windows) decoder produces, and other near misses, to the Windows-31J
// character Outlook and Excel show the same way.
var sjisLookalikes = map[rune]rune{
	'\u301c': '\uff5e', // WAVE DASH → FULLWIDTH TILDE
	'\u2212': '\uff0d', // MINUS SIGN → FULLWIDTH HYPHEN-MINUS
	'\u2016': '\u2225', // DOUBLE VERTICAL LINE → PARALLEL TO
	'\u2014': '\u2015', // EM DASH → HORIZONTAL BAR
	'\u00a2': '\uffe0', // CENT SIGN
	'\u00a3': '\uffe1', // POUND SIGN
	'\u00ac': '\uffe2', // NOT SIGN
	'\u00a6': '\uffe4', // BROKEN BAR
	'\u00a5': '\uffe5', // YEN SIGN
	'\u203e': '\uffe3', // OVERLINE
	'\u00a0': ' ',      // NO-BREAK SPACE
	'\u2011': '-',      // NON-BREAKING HYPHEN
}

// toShiftJIS encodes s as Windows-31J. A character with no form, after the
// look-alike mapping, is an *UnencodableError, or "?" when replace is set.
func toShiftJIS(dst []byte, s, contact string, replace bool) ([]byte, bool, error) {
	enc := japanese.ShiftJIS.NewEncoder()
	if b, err := enc.String(s); err == nil {
		return append(dst, b...), false, nil
	}
	replaced := false
	var one [utf8.UTFMax]byte
	for _, r := range s {
		if m, ok := sjisLookalikes[r]; ok {
			r = m
		}
		n := utf8.EncodeRune(one[:], r)
		b, err := enc.Bytes(one[:n])
		if err != nil {
			if !replace {
				return dst, false, &UnencodableError{Contact: contact, Char: r, Encoding: ShiftJIS}
			}
			replaced = true
			b = []byte("?")
			// A letter with an accent loses the accent: ë → e.
			if base, _ := utf8.DecodeRuneInString(norm.NFD.String(string(r))); base != r && base < 0x80 {
				b = []byte{byte(base)}
			}
		}
		dst = append(dst, b...)
	}
	return dst, replaced, nil
}
