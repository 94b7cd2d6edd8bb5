package addressbook

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-vcard"
)

// vCard export. go-vcard does the encoding (property order, escaping of
// backslash, comma and newline); around it, what it does not do:
//   - it does not fold lines: foldVCard folds at 75 octets, never inside a
//     UTF-8 character (RFC 6350 3.2, RFC 2426 2.6);
//   - it knows no version differences: the 3.0 card gets EMAIL;TYPE=INTERNET,
//     the 4.0 card none, and both get N (required in 3.0);
//   - it joins CATEGORIES values with a comma it then escapes, so each
//     category is written as its own CATEGORIES property;
//   - it does not escape ';': inside N components a ';' becomes ',', and in
//     3.0 text values (FN, NOTE) it is escaped as "\;" after encoding; 4.0
//     allows it bare.
//
// The card also gets PRODID and a UID that is stable per address: a name-based
// (version 5) UUID of "mailto:" + the comparison key, so importing the file
// again updates instead of duplicating where the importer honours UID.

const prodID = "-//Mailark//Mailark address book//EN"

func writeVCards(w io.Writer, contacts []*Contact, f Format, opts ExportOptions) error {
	version := "4.0"
	if f == FormatVCard3 {
		version = "3.0"
	}
	var buf bytes.Buffer
	enc := vcard.NewEncoder(&buf)
	var folded []byte
	for _, c := range contacts {
		buf.Reset()
		if err := enc.Encode(card(c, version, opts)); err != nil {
			return fmt.Errorf("vcard %s: %w", c.Email(), err)
		}
		out := buf.Bytes()
		if version == "3.0" {
			out = bytes.ReplaceAll(out, []byte(semicolonMark), []byte(`\;`))
		}
		folded = foldVCard(folded[:0], out)
		if _, err := w.Write(folded); err != nil {
			return err
		}
	}
	return nil
}

// semicolonMark stands in for ';' in 3.0 text values until go-vcard has
// escaped the rest: vCard 3.0 requires "\;" there, and go-vcard would double
// a backslash written beforehand. U+FDD0 is a noncharacter, removed from the
// text first.
const semicolonMark = "\ufdd0"

func card(c *Contact, version string, opts ExportOptions) vcard.Card {
	text := func(s string) string {
		s = strings.ReplaceAll(s, semicolonMark, "")
		if version == "3.0" {
			s = strings.ReplaceAll(s, ";", semicolonMark)
		}
		return s
	}
	k := vcard.Card{}
	k.SetValue(vcard.FieldVersion, version)
	k.SetValue(vcard.FieldProductID, prodID)
	k.SetValue(vcard.FieldUID, ContactUID(c))
	k.SetValue(vcard.FieldFormattedName, text(c.DisplayName()))
	p := SplitName(c.Name)
	semi := strings.NewReplacer(";", ",", semicolonMark, "")
	k.SetName(&vcard.Name{
		FamilyName:     semi.Replace(p.Family),
		GivenName:      semi.Replace(p.Given),
		AdditionalName: semi.Replace(p.Middle),
	})
	email := &vcard.Field{Value: c.Email()}
	if version == "3.0" {
		email.Params = vcard.Params{vcard.ParamType: {"INTERNET"}}
	}
	k.Add(vcard.FieldEmail, email)
	if note := opts.Note(c); note != "" {
		k.SetValue(vcard.FieldNote, text(note))
	}
	k.AddValue(vcard.FieldCategories, "Mailark")
	if c.Automated {
		k.AddValue(vcard.FieldCategories, "Automated")
	}
	return k
}

// ContactUID returns the contact's vCard UID: urn:uuid: and a version 5
// UUID (URL namespace) of "mailto:" + Key.
func ContactUID(c *Contact) string {
	ns := [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte("mailto:" + c.Key))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// foldVCard folds every CRLF-terminated line of b longer than 75 octets:
// CRLF and one space are inserted, the space counting towards the next
// line's 75, and never between the bytes of one UTF-8 character.
func foldVCard(dst, b []byte) []byte {
	const max = 75
	for len(b) > 0 {
		end := bytes.Index(b, []byte("\r\n"))
		var line []byte
		if end < 0 {
			line, b = b, nil
		} else {
			line, b = b[:end], b[end+2:]
		}
		limit := max
		for len(line) > limit {
			cut := limit
			for cut > 0 && !utf8.RuneStart(line[cut]) {
				cut--
			}
			// Not next to a space nor inside an escape ("\,") if that costs
			// little: some readers trim white space at line ends or unescape
			// before they unfold.
			for c := cut; c > limit-12; {
				if line[c-1] != ' ' && line[c-1] != '\\' && line[c] != ' ' && utf8.RuneStart(line[c]) {
					cut = c
					break
				}
				c--
			}
			dst = append(dst, line[:cut]...)
			dst = append(dst, "\r\n "...)
			line = line[cut:]
			limit = max - 1
		}
		dst = append(dst, line...)
		dst = append(dst, "\r\n"...)
	}
	return dst
}
