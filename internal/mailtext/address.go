package mailtext

import (
	"errors"
	"strings"
)

// Address is one mailbox read from an address header.
type Address struct {
	Name  string // decoded display name, white space collapsed; "" when none
	Email string // display form (see NormalizeEmail)
	Key   string // comparison key (see NormalizeEmail)
	// Stray is set for an address found only by scanning text: inside a
	// display name or comment, or in a part of the header too broken to
	// parse. It is kept (an address is never dropped) but carries no name.
	Stray bool
}

// ErrMalformed is wrapped by the error ParseAddressList returns when it had
// to repair its input. The addresses it returns with it are still its best
// reading of the header.
var ErrMalformed = errors.New("malformed address list")

// ParseAddressList reads the value of an address header (From, To, Cc, ...)
// as it was on the wire: possibly folded, with RFC 2047 encoded words in any
// charset (also inside quotes, which RFC 2047 forbids and real mail does), or
// raw 8-bit bytes in UTF-8, Shift_JIS, EUC-JP or ISO-2022-JP. It never panics
// and never drops an address: what the lenient parser cannot place is found by
// scanning for anything shaped like local@domain.example, and returned with
// Stray set. The error wraps ErrMalformed when the input needed repairs.
//
// net/mail is not used: it rejects a whole list for one bad charset or raw
// 8-bit byte, and does not decode encoded words inside quotes. Tests check
// that both agree on well-formed input.
func ParseAddressList(value []byte) ([]Address, error) {
	var p listParser
	out := p.parse(value)
	var err error
	if p.repaired != "" {
		err = errors.Join(ErrMalformed, errors.New(p.repaired))
	}
	return append([]Address(nil), out...), err
}

// Parser is ParseAddressList with its scratch space kept from one call to
// the next, for reading many headers. The zero value is ready to use.
type Parser struct{ p listParser }

// Parse returns the addresses of value, valid until the next call, and
// whether the value needed repairs (ParseAddressList's ErrMalformed).
func (p *Parser) Parse(value []byte) (addrs []Address, repaired bool) {
	out := p.p.parse(value)
	return out, p.p.repaired != ""
}

// listParser holds scratch space, reused across headers.
type listParser struct {
	toks     []token
	out      []Address
	index    map[string]int // key → position in out, for long lists
	pending  string         // a name cut off by an unquoted comma ("Yamada, Taro <t@x>")
	named    []string       // names holding an '@', scanned once the entry's own address is in
	repaired string
	depth    int
}

func (p *listParser) parse(value []byte) []Address {
	p.out = p.out[:0]
	p.repaired = ""
	p.depth = 0
	p.index = nil // made again by find for a long list
	text := headerText(value)
	p.parseText(text)
	// The safety net: every token shaped like an address in the raw bytes.
	scanRawTokens(value, p.addToken)
	return p.out
}

func (p *listParser) parseText(s string) {
	p.tokenize(s)
	toks := p.toks
	p.pending = ""
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i < len(toks) {
			switch toks[i].kind {
			case tokColon:
				if isGroupName(toks[start:i]) {
					p.pending = ""
					start = i + 1
				}
				continue
			case tokComma, tokSemicolon:
			default:
				continue
			}
		}
		p.entry(toks[start:i])
		if i < len(toks) && toks[i].kind == tokSemicolon {
			p.pending = ""
		}
		start = i + 1
	}
}

// isGroupName reports whether the tokens before a colon are a group's
// display name: a phrase with no address in it.
func isGroupName(toks []token) bool {
	for _, t := range toks {
		switch t.kind {
		case tokAngle:
			return false
		case tokAtom:
			if atomHasAt(t.text) {
				return false
			}
		}
	}
	return true
}

// entry handles one comma-separated part of the list.
func (p *listParser) entry(toks []token) {
	if len(toks) == 0 {
		return
	}
	p.entryAddrs(toks)
	for _, n := range p.named {
		r := p.repaired
		scanTokens(n, p.addToken)
		p.repaired = r // an address named in a display name is no repair
	}
	p.named = p.named[:0]
}

func (p *listParser) entryAddrs(toks []token) {
	for i, t := range toks {
		if t.kind != tokAngle {
			continue
		}
		name := p.phrase(toks[:i])
		if name == "" {
			name = p.comments(toks)
		}
		if p.pending != "" {
			if name == "" {
				name = p.pending
			} else {
				name = p.pending + ", " + name
			}
			p.pending = ""
		}
		p.add(angleAddr(t.text), name, false)
		for _, u := range toks[i+1:] { // a missing comma: "<a@x.jp> <b@y.jp>", "<a@x.jp> b@y.jp"
			switch {
			case u.kind == tokAngle:
				p.repaired = "missing comma"
				p.add(angleAddr(u.text), "", false)
			case u.kind == tokAtom && atomHasAt(u.text):
				p.repaired = "missing comma"
				p.add(u.text, "", false)
			}
		}
		return
	}
	// No angle brackets: bare addr-specs, perhaps with a comment name
	// ("taro@example.jp (Taro)") or a phrase missing its brackets.
	toks = joinObsolete(toks)
	var rest []token
	var addrs []string
	for i, t := range toks {
		switch {
		case t.kind == tokAtom && atomHasAt(t.text):
			addr := t.text
			if i > 0 && toks[i-1].kind == tokQuoted && !t.space && addr[0] == '@' { // "john doe"@example.com
				addr = `"` + toks[i-1].text + `"` + addr
				rest = rest[:len(rest)-1]
			}
			addrs = append(addrs, addr)
		default:
			rest = append(rest, t)
		}
	}
	if len(addrs) > 0 {
		name := p.comments(rest)
		if name == "" {
			if name = p.phrase(rest); name != "" {
				p.repaired = "address without angle brackets"
			}
		}
		if len(addrs) > 1 {
			p.repaired = "missing comma"
			name = ""
		}
		p.pending = ""
		for _, a := range addrs {
			p.add(a, name, false)
		}
		return
	}
	// No address: a name cut off by an unquoted comma, or an encoded word
	// that holds a whole "Name <addr>".
	name := p.phrase(toks)
	if c := p.comments(toks); name == "" {
		name = c
	}
	if strings.IndexByte(name, '@') >= 0 && p.depth == 0 {
		p.repaired = "address inside an encoded word"
		p.depth++
		saved := p.toks // the caller's loop still reads these
		p.toks = nil
		p.parseText(name)
		p.toks = saved
		p.depth--
		p.pending = ""
		return
	}
	if name != "" {
		if p.pending != "" {
			name = p.pending + ", " + name
		}
		if len(name) > maxPendingName { // not a name any more: a list of words
			name = ""
		}
		p.pending = name
	}
}

// maxPendingName bounds a name pieced together across unquoted commas.
const maxPendingName = 256

// phrase builds a display name from atoms and quoted strings.
func (p *listParser) phrase(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		if t.kind != tokAtom && t.kind != tokQuoted {
			continue
		}
		if b.Len() > 0 && t.space {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	if b.Len() == 0 {
		return ""
	}
	return p.nameText(b.String())
}

func (p *listParser) comments(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		if t.kind != tokComment {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	if b.Len() == 0 {
		return ""
	}
	return p.nameText(b.String())
}

// nameText decodes encoded words in a name and tidies it. Addresses named in
// the text are kept as stray addresses.
func (p *listParser) nameText(s string) string {
	s = cleanText(decodeWords(s))
	if strings.IndexByte(s, '@') >= 0 {
		p.named = append(p.named, s)
	}
	return s
}

// angleAddr reads the inside of <...>: drops an obsolete source route
// ("@relay:taro@example.jp"), a mailto: prefix and white space.
func angleAddr(s string) string {
	if !strings.Contains(s, `"`) {
		s = stripComments(s) // <pete(his account)@silly.test(his host)>
	}
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "@") {
		if i := strings.LastIndexByte(s, ':'); i >= 0 {
			s = s[i+1:]
		}
	}
	if strings.ContainsAny(s, " \t") && !strings.Contains(s, `"`) {
		s = strings.Join(strings.Fields(s), "")
	}
	return s
}

func (p *listParser) add(email, name string, stray bool) {
	if strings.TrimSpace(email) == "" { // "<>", the null address
		return
	}
	disp, key, ok := NormalizeEmail(email)
	if !ok {
		if !stray {
			p.repaired = "not an address: " + email
			p.scanText(email)
		}
		return
	}
	if strings.EqualFold(name, disp) || strings.EqualFold(name, email) {
		name = ""
	}
	if i, ok := p.find(key); ok {
		if p.out[i].Name == "" && name != "" {
			p.out[i].Name = name
		}
		if !stray {
			p.out[i].Stray = false
		}
		return
	}
	if stray {
		name = ""
	}
	p.out = append(p.out, Address{Name: name, Email: disp, Key: key, Stray: stray})
	if p.index != nil {
		p.index[key] = len(p.out) - 1
	}
}

func (p *listParser) find(key string) (int, bool) {
	if p.index == nil && len(p.out) >= 16 {
		p.index = make(map[string]int, 64)
	}
	if p.index != nil {
		if len(p.index) < len(p.out) {
			for i, a := range p.out {
				p.index[a.Key] = i
			}
		}
		i, ok := p.index[key]
		return i, ok
	}
	for i := range p.out {
		if p.out[i].Key == key {
			return i, true
		}
	}
	return 0, false
}

// scanText keeps the address-shaped tokens of a broken part as strays.
func (p *listParser) scanText(s string) { scanTokens(s, p.addToken) }

// addToken adds an address-shaped token (see scanTokens) as a stray unless
// it is there already. Such a token is ASCII and needs no normalising
// beyond lower case, so the usual case, already found, costs no allocation.
func (p *listParser) addToken(tok string) {
	if p.index == nil {
		for i := range p.out {
			if strings.EqualFold(p.out[i].Key, tok) {
				return
			}
		}
	} else if _, ok := p.find(asciiLower(tok)); ok {
		return
	}
	if p.repaired == "" {
		p.repaired = "address outside address syntax"
	}
	p.add(tok, "", true)
}
