package mailstore

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"io/fs"
	"mime/quotedprintable"
	"path/filepath"
	"strings"

	"golang.org/x/text/encoding/unicode"

	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/mailtext"
)

// Address books kept as files: Windows Contacts (.contact, XML) and
// Becky! (.bab, vCards in Shift_JIS).

const bookFileMax = 64 << 20

// xmlUTF8 turns an XML file's bytes (UTF-8, or UTF-16 with a byte order
// mark) into UTF-8 without its declaration, which may name the charset it
// was in.
func xmlUTF8(b []byte) ([]byte, bool) {
	if bytes.HasPrefix(b, []byte{0xff, 0xfe}) || bytes.HasPrefix(b, []byte{0xfe, 0xff}) {
		u, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder().Bytes(b)
		if err != nil {
			return nil, false
		}
		b = u
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimSpace(b); bytes.HasPrefix(t, []byte("<?xml")) {
		if i := bytes.Index(t, []byte("?>")); i > 0 {
			b = t[i+2:]
		}
	}
	return b, true
}

// walkBookFiles calls read for each file under root (or root itself)
// whose name ends in suffix.
func walkBookFiles(ctx context.Context, root, suffix string, read func(path, rel string) error, skip func(string, error)) error {
	if isFile(root) {
		return read(root, "")
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			skip(relPath(root, p), err)
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !hasSuffixFold(d.Name(), suffix) {
			return nil
		}
		return read(p, relPath(root, p))
	})
}

func readWindowsContacts(ctx context.Context, root string, fn func(Contact) error, skip func(string, error)) error {
	return walkBookFiles(ctx, root, ".contact", func(path, rel string) error {
		b, err := readStoreFile(path, rel, bookFileMax)
		if err != nil {
			skip(rel, err)
			return nil
		}
		c, ok := parseContactXML(b)
		if !ok {
			skip(rel, mailerr.New(mailerr.BadInput, "read", rel, errors.New("is not a valid Windows contact file")))
			return nil
		}
		if len(c.Emails) == 0 {
			return nil
		}
		c.Source, c.Origin = "Windows Contacts", rel
		return fn(c)
	}, skip)
}

// parseContactXML reads a Windows .contact file: c:NameCollection/c:Name
// (FormattedName, GivenName, FamilyName) and
// c:EmailAddressCollection/c:EmailAddress/c:Address.
func parseContactXML(b []byte) (Contact, bool) {
	b, ok := xmlUTF8(b)
	if !ok {
		return Contact{}, false
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	var stack []string
	var formatted, given, family string
	var emails []string
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Contact{}, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			text.Reset()
			if len(stack) > 64 {
				return Contact{}, false
			}
		case xml.CharData:
			if text.Len() < 4096 {
				text.Write(t)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			name := stack[len(stack)-1]
			parent := ""
			if len(stack) > 1 {
				parent = stack[len(stack)-2]
			}
			v := strings.TrimSpace(text.String())
			switch {
			case name == "FormattedName" && formatted == "":
				formatted = v
			case name == "GivenName" && given == "":
				given = v
			case name == "FamilyName" && family == "":
				family = v
			case name == "Address" && parent == "EmailAddress":
				emails = append(emails, v)
			}
			stack = stack[:len(stack)-1]
			text.Reset()
		}
	}
	c := Contact{Name: formatted, Emails: cleanEmails(emails)}
	if c.Name == "" {
		c.Name = personName(given, family)
	}
	return c, true
}

func readBeckyBook(ctx context.Context, root string, fn func(Contact) error, skip func(string, error)) error {
	return readVCardFiles(ctx, root, ".bab", "Becky!", fn, skip)
}

func readVCardBook(ctx context.Context, root string, fn func(Contact) error, skip func(string, error)) error {
	return readVCardFiles(ctx, root, ".vcf", "vCard", fn, skip)
}

func readVCardFiles(ctx context.Context, root, suffix, source string, fn func(Contact) error, skip func(string, error)) error {
	return walkBookFiles(ctx, root, suffix, func(path, rel string) error {
		b, err := readStoreFile(path, rel, bookFileMax)
		if err != nil {
			skip(rel, err)
			return nil
		}
		for _, c := range parseVCards(b) {
			if len(c.Emails) == 0 {
				continue
			}
			c.Source, c.Origin = source, rel
			if err := fn(c); err != nil {
				return err
			}
		}
		return nil
	}, skip)
}

// parseVCards reads vCards (2.1, 3.0, 4.0): FN, N and EMAIL, with
// quoted-printable values and CHARSET parameters (2.1); a value with no
// charset is UTF-8, or Shift_JIS when it is not valid UTF-8 (Becky!).
func parseVCards(b []byte) []Contact {
	var out []Contact
	var cur *Contact
	var given, family string
	for _, line := range unfoldVCard(b) {
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		head, value := string(line[:colon]), line[colon+1:]
		parts := strings.Split(head, ";")
		prop := strings.ToUpper(strings.TrimSpace(parts[0]))
		if i := strings.LastIndexByte(prop, '.'); i >= 0 {
			prop = prop[i+1:] // item1.EMAIL
		}
		charset, qp := "", false
		for _, p := range parts[1:] {
			k, v, _ := strings.Cut(p, "=")
			k, v = strings.ToUpper(strings.TrimSpace(k)), strings.TrimSpace(v)
			switch {
			case k == "CHARSET":
				charset = v
			case k == "ENCODING" && strings.EqualFold(v, "QUOTED-PRINTABLE"), k == "QUOTED-PRINTABLE":
				qp = true
			}
		}
		val := func() string {
			raw := value
			if qp {
				if d, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw))); err == nil {
					raw = d
				}
			}
			if charset != "" {
				return strings.TrimSpace(mailtext.Decode(charset, raw))
			}
			return strings.TrimSpace(decodeANSI(raw))
		}
		switch prop {
		case "BEGIN":
			cur = &Contact{}
			given, family = "", ""
		case "END":
			if cur != nil {
				if cur.Name == "" {
					cur.Name = personName(given, family)
				}
				cur.Emails = cleanEmails(cur.Emails)
				out = append(out, *cur)
			}
			cur = nil
		case "FN":
			if cur != nil && cur.Name == "" {
				cur.Name = vcardUnescape(val())
			}
		case "N":
			if cur != nil {
				f := strings.Split(val(), ";")
				family = vcardUnescape(f[0])
				if len(f) > 1 {
					given = vcardUnescape(f[1])
				}
			}
		case "EMAIL":
			if cur != nil && len(cur.Emails) < 100 {
				cur.Emails = append(cur.Emails, vcardUnescape(val()))
			}
		}
		if len(out) > 1<<20 {
			break
		}
	}
	return out
}

// unfoldVCard splits b into logical lines: a line starting with a space
// or tab continues the one before; in a quoted-printable value a line
// ending in "=" continues on the next.
func unfoldVCard(b []byte) [][]byte {
	var out [][]byte
	for _, raw := range bytes.Split(b, []byte("\n")) {
		line := bytes.TrimSuffix(raw, []byte("\r"))
		n := len(out)
		switch {
		case n > 0 && len(line) > 0 && (line[0] == ' ' || line[0] == '\t'):
			out[n-1] = append(out[n-1], line[1:]...)
		case n > 0 && bytes.HasSuffix(out[n-1], []byte("=")) && bytes.Contains(bytes.ToUpper(out[n-1]), []byte("QUOTED-PRINTABLE")):
			out[n-1] = append(out[n-1][:len(out[n-1])-1], line...)
		default:
			out = append(out, bytes.Clone(line))
		}
	}
	return out
}

func vcardUnescape(s string) string {
	r := strings.NewReplacer(`\,`, ",", `\;`, ";", `\\`, `\`, `\n`, " ", `\N`, " ")
	return strings.TrimSpace(r.Replace(s))
}
