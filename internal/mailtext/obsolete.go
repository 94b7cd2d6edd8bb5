package mailtext

import "strings"

// RFC 5322's obsolete address syntax (section 4.4), which old mailers still
// write and Python's email package reads: white space and comments may sit
// between the words, dots and the '@' of an addr-spec.
//
//	jdoe@test   . example                    → jdoe@test.example
//	pete(his account)@silly.test(his host)   → pete@silly.test
//	c@(Chris's host.)public.example          → c@public.example

// joinObsolete joins the atoms of an addr-spec split by comments or white
// space: two atoms join at a '@' or '.' on their edge. Comments between
// joined atoms are dropped (they are remarks, not names); a comment after
// the address stays, as the old "addr (Name)" form uses it. Across white
// space the local part joins only at a '.' or '@' of its own token, so a
// name missing its brackets ("Mr. smith@example.com") stays a name.
// toks is returned as it is when there is nothing to join.
func joinObsolete(toks []token) []token {
	var out []token
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.kind != tokAtom {
			if out != nil {
				out = append(out, t)
			}
			continue
		}
		text, last := t.text, i
		for {
			k := last + 1
			for k < len(toks) && toks[k].kind == tokComment {
				k++
			}
			if k >= len(toks) || toks[k].kind != tokAtom {
				break
			}
			next := toks[k]
			edge := strings.HasSuffix(text, "@") || strings.HasSuffix(text, ".") ||
				next.text[0] == '@' || next.text[0] == '.'
			// Across white space: in the domain, or at a dot or '@' that
			// stands apart ("john . doe @ example.com").
			spacedOK := atomHasAt(text) || startsDotOrAt(next.text) || strings.HasSuffix(text, ".") && last > i
			if !edge || spaceBetween(toks[last+1:k+1]) && !spacedOK {
				break
			}
			text += next.text
			last = k
		}
		if last == i || !atomHasAt(text) {
			if out != nil {
				out = append(out, t)
			}
			continue
		}
		if out == nil {
			out = append(make([]token, 0, len(toks)), toks[:i]...)
		}
		out = append(out, token{kind: tokAtom, space: t.space, text: text})
		i = last
	}
	if out == nil {
		return toks
	}
	return out
}

func startsDotOrAt(s string) bool { return s != "" && (s[0] == '.' || s[0] == '@') }

// spaceBetween reports whether white space comes before any of toks.
func spaceBetween(toks []token) bool {
	for _, t := range toks {
		if t.space {
			return true
		}
	}
	return false
}

// stripComments removes the comments, (nested (ones) too), from the inside
// of an angle address. An unbalanced parenthesis leaves s as it is.
func stripComments(s string) string {
	if strings.IndexByte(s, '(') < 0 {
		return s
	}
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && depth > 0:
			i++
		case c == '(':
			depth++
		case c == ')':
			if depth == 0 {
				return s
			}
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
		case depth == 0:
			b.WriteByte(c)
		}
	}
	if depth != 0 {
		return s
	}
	return b.String()
}
