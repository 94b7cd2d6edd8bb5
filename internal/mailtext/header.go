package mailtext

import "strings"

// Header values: unstructured text (Subject) and the forms of an address
// list the archive stores and the windows show.

// Text decodes an unstructured header value (Subject, Comments) as it was on
// the wire: folding undone, raw 8-bit bytes guessed (Guess), RFC 2047
// encoded words decoded, the broken ones real mailers write included
// (decodeWords). The result is valid UTF-8 without surrounding white space.
func Text(raw []byte) string {
	return strings.TrimSpace(decodeWords(headerText(raw)))
}

// headerText unfolds a raw header value and turns it into UTF-8 text.
func headerText(raw []byte) string {
	simple := true
	for _, c := range raw {
		if c == '\r' || c == '\n' || c >= 0x80 || c == 0x1b {
			simple = false
			break
		}
	}
	if simple {
		return string(raw)
	}
	buf := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\r' && c != '\n' {
			buf = append(buf, c)
			continue
		}
		for i+1 < len(raw) && (raw[i+1] == '\r' || raw[i+1] == '\n') {
			i++
		}
		if i+1 < len(raw) && raw[i+1] != ' ' && raw[i+1] != '\t' {
			buf = append(buf, ' ') // a line break that is not folding: keep the words apart
		}
	}
	return Guess(buf)
}

// AddressText is an address header value as the archive stores it and
// search and the windows show it: "Name <addr>, addr, …", names decoded
// (ParseAddressList). A value that holds no address (an empty group, plain
// words) is given as Text.
func AddressText(raw []byte) string {
	as, _ := ParseAddressList(raw)
	if len(as) == 0 {
		return Text(raw)
	}
	return FormatList(as)
}

// FormatList writes addresses as "Name <addr>, addr, …". A name holding a
// character that would split or end it (a comma, a quote, '<', ...) is
// quoted, so ParseAddressList reads the text back to the same addresses.
func FormatList(as []Address) string {
	var b strings.Builder
	for i, a := range as {
		if i > 0 {
			b.WriteString(", ")
		}
		if a.Name == "" {
			b.WriteString(a.Email)
			continue
		}
		b.WriteString(quoteName(a.Name))
		b.WriteString(" <")
		b.WriteString(a.Email)
		b.WriteByte('>')
	}
	return b.String()
}

var nameEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

func quoteName(name string) string {
	if !strings.ContainsAny(name, `"(),:;<>@[\]`) {
		return name
	}
	return `"` + nameEscaper.Replace(name) + `"`
}

// First returns the first address of an address header value, preferring
// one the parser placed over a stray one; ok is false when there is none.
func First(raw []byte) (a Address, ok bool) {
	as, _ := ParseAddressList(raw)
	for _, a := range as {
		if !a.Stray {
			return a, true
		}
	}
	if len(as) > 0 {
		return as[0], true
	}
	return Address{}, false
}

// Who is the first person of an address list as a list of messages shows
// them: the name, else the address, else the decoded text.
func Who(list string) string {
	a, ok := First([]byte(list))
	switch {
	case !ok:
		return Text([]byte(list))
	case a.Name != "":
		return a.Name
	}
	return a.Email
}
