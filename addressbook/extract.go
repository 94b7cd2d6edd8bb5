package addressbook

import (
	"context"
	"hash/maphash"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/mailtext"
)

// Message is what extraction reads of one archived message.
type Message struct {
	Folder string // decoded folder name, e.g. "INBOX", "取引先"
	Role   string // folders.role: "sent", "drafts", "inbox", "trash", "junk", ... or ""
	// Date is the Date header; InternalDate the server's date. A missing
	// Date, or one more than two days after InternalDate (a broken clock), is
	// replaced by InternalDate.
	Date, InternalDate time.Time
	// ID identifies the message across folders (Message-ID, or a hash of the
	// bytes when it has none): copies with the same ID and the same address
	// lines count once, so Gmail's "All Mail" does not double everything;
	// another message with the same ID counts too. "" means never a
	// duplicate.
	ID string
	// AddrFields are the raw header lines (as on the wire, CRLF, possibly
	// folded and 8-bit) of From, Sender, Reply-To, To, Cc, Bcc, List-Id,
	// List-Unsubscribe, Precedence, Auto-Submitted: messages.addr_fields.
	AddrFields []byte
}

// Options for Extract. The zero value works.
type Options struct {
	// Self lists the user's own addresses: the account's login and any
	// aliases the user names. Aliases are also learned from the sender of
	// messages in the sent folder, when one sent enough of them (see
	// doc.go and SettleSelf).
	Self []string
	// NotSelf lists addresses that are never the user's own, whatever was
	// learned or given: the way to undo a wrong guess.
	NotSelf []string
	// Total is the number of messages the source will yield, for Progress;
	// 0 when unknown.
	Total int64
	// Progress is called every 1024 messages and once at the end.
	Progress func(done, total int64)
	// Saved are the contacts of the user's mail-app address books
	// (FindSaved), merged in with their source shown.
	Saved []Saved
}

func (o *Options) applyDefaults() {
	if o.Progress == nil {
		o.Progress = func(int64, int64) {}
	}
}

// Extract builds the address book from a stream of messages. Memory grows
// with the number of distinct addresses, plus 8 bytes per message ID for the
// duplicate check. On a source error or cancellation it returns the book so
// far with the error.
func Extract(ctx context.Context, msgs iter.Seq2[Message, error], opts Options) (*Book, error) {
	b := NewBuilder(opts)
	var err error
	for m, e := range msgs {
		if e != nil {
			err = e
			break
		}
		b.Add(m)
		if b.stats.Messages%256 == 0 {
			if err = ctx.Err(); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	return b.Book(), err
}

// Builder accumulates messages one at a time, for sources that push
// (Extract is a loop over Add). Not safe for concurrent use.
type Builder struct {
	opts    Options
	self    map[string]*selfAcc
	notSelf map[string]bool
	// Senders of sent-folder messages not yet taken as the user's own:
	// key → how many of the sentMsgs they sent (SettleSelf decides).
	candidates map[string]*selfAcc
	sentMsgs   int
	unsettled  bool // sent messages were added since SettleSelf
	contacts   map[string]*acc
	folders    []string
	folderIx   map[string]int32
	ids        map[uint64]struct{}
	seed       maphash.Seed
	seq        uint64
	stats      Stats
	newest     time.Time

	fields fields
	parser mailtext.Parser
	lists  [numAddrHeaders][]mailtext.Address
	cache  map[string]cacheEntry // header value → parsed, see parseList
}

// NewBuilder returns an empty Builder.
func NewBuilder(opts Options) *Builder {
	opts.applyDefaults()
	b := &Builder{
		opts:       opts,
		self:       make(map[string]*selfAcc),
		notSelf:    make(map[string]bool),
		candidates: make(map[string]*selfAcc),
		contacts:   make(map[string]*acc, 256),
		folderIx:   make(map[string]int32),
		ids:        make(map[uint64]struct{}, 1024),
		seed:       maphash.MakeSeed(),
		cache:      make(map[string]cacheEntry, 256),
	}
	for _, s := range opts.NotSelf {
		if _, key, ok := mailtext.NormalizeEmail(s); ok {
			b.notSelf[key] = true
		}
	}
	for _, s := range opts.Self {
		if disp, key, ok := mailtext.NormalizeEmail(s); ok && !b.notSelf[key] {
			b.self[key] = &selfAcc{email: disp, given: true}
		}
	}
	for _, s := range opts.Saved {
		b.addSaved(s)
	}
	return b
}

// A sender of the sent folder is taken as the user's own address when it
// sent at least selfShareMin of its messages: one stray message from a
// client filed in Sent does not make the client "you".
const selfShareMin = 0.10

// SettleSelf takes the senders of the sent folder read so far that sent
// enough of it as the user's own addresses, and drops those that no longer
// do. Their messages are counted all along (only given addresses are never
// counted), so one dropped later is a whole contact. FromArchive calls it
// after the sent folders, before the others; Add calls it when a message
// outside the sent folder follows new sent ones; Book calls it last.
func (b *Builder) SettleSelf() {
	b.unsettled = false
	for key, c := range b.candidates {
		if s := b.self[key]; s != nil && s.given {
			continue
		}
		if !b.notSelf[key] && float64(c.inSent) >= selfShareMin*float64(b.sentMsgs) {
			b.self[key] = c
		} else {
			delete(b.self, key)
		}
	}
}

type selfAcc struct {
	email  string
	given  bool // from Options.Self
	sent   int  // messages it sent, counted while it is taken as the user's
	inSent int  // messages of the sent folder it sent (a learned address)
}

// acc is the running state of one address.
type acc struct {
	key               string
	variants          []variantAcc
	names             []nameAcc
	sent, recv        int
	msgs, strong      int // messages it was in; of those, sent to or received from
	human, auto, junk int // messages by kind: person-to-person, automated, in junk
	autoReason        string
	first, last       time.Time
	folders           []int32
	stamp             uint64   // Builder.seq of the last message that touched it
	rel               uint8    // relations counted for that message
	saved             []string // the address books it is in (saved.go)
	savedName         string   // the name the user gave it there
}

type variantAcc struct {
	email   string
	n, from int
}

type nameAcc struct {
	name    string
	n, from int
	last    time.Time
}

const (
	relSeen uint8 = 0
	relSent uint8 = 1 << iota
	relRecv
)

// Add reads one message.
func (b *Builder) Add(m Message) {
	b.seq++
	b.stats.Messages++
	if b.stats.Messages%1024 == 0 {
		b.opts.Progress(b.stats.Messages, b.opts.Total)
	}
	f := &b.fields
	f.parse(m.AddrFields)
	for h := range b.lists {
		b.lists[h] = b.lists[h][:0]
		for _, v := range f.addr[h] {
			b.lists[h] = b.parseList(b.lists[h], v)
		}
	}
	dup := false
	if m.ID != "" {
		// A copy is the same Message-ID with the same address lines: two
		// different messages sharing a Message-ID (a careless client, a
		// forged header) are two messages, and neither's people are lost.
		var mh maphash.Hash
		mh.SetSeed(b.seed)
		mh.WriteString(m.ID)
		mh.WriteByte(0)
		mh.Write(m.AddrFields)
		h := mh.Sum64()
		if _, dup = b.ids[h]; !dup {
			b.ids[h] = struct{}{}
		} else {
			b.stats.Duplicates++
		}
	}
	role := strings.ToLower(m.Role)
	if role == "sent" && !dup {
		b.learnAliases()
	} else if role != "sent" && b.unsettled {
		b.SettleSelf()
	}
	fromSelf := false
	for _, h := range []int{hFrom, hSender} {
		for _, a := range b.lists[h] {
			if s := b.self[a.Key]; s != nil && !a.Stray {
				fromSelf = true
				if h == hFrom && !dup && role != "drafts" {
					s.sent++
				}
			}
		}
	}
	userSent := (role == "sent" || fromSelf) && role != "drafts"
	if userSent && !dup {
		b.stats.Sent++
	}
	date := messageDate(m)
	if !dup && date.After(b.newest) {
		b.newest = date
	}
	mk := msgKind{
		date:     date,
		folder:   b.folder(m.Folder),
		dup:      dup,
		userSent: userSent,
		junk:     role == "junk" || role == "spam",
	}
	if !userSent {
		mk.autoReason = f.automatedReason()
	}
	// Senders first, so a person both in From and in Cc counts as a sender.
	for _, h := range []int{hFrom, hSender, hReplyTo} {
		rel := relRecv
		if userSent || role == "drafts" {
			rel = relSeen
		}
		for _, a := range b.lists[h] {
			b.touch(a, rel, h == hFrom, &mk)
		}
	}
	for _, h := range []int{hTo, hCc, hBcc} {
		rel := relSeen
		if userSent {
			rel = relSent
		}
		for _, a := range b.lists[h] {
			b.touch(a, rel, false, &mk)
		}
	}
}

// parseList appends the addresses of one header value to dst. Values repeat
// (the same correspondent's From, the user's own To), so results are kept in
// a small cache that is emptied when full.
func (b *Builder) parseList(dst []mailtext.Address, value []byte) []mailtext.Address {
	if e, ok := b.cache[string(value)]; ok {
		if e.repaired {
			b.stats.Repaired++
		}
		return append(dst, e.addrs...)
	}
	out, repaired := b.parser.Parse(value)
	if repaired {
		b.stats.Repaired++
	}
	if len(value) <= maxCachedValue {
		if len(b.cache) >= maxCacheEntries {
			clear(b.cache)
		}
		b.cache[string(value)] = cacheEntry{addrs: slices.Clone(out), repaired: repaired}
	}
	return append(dst, out...)
}

const (
	maxCacheEntries = 4096
	maxCachedValue  = 512
)

type cacheEntry struct {
	addrs    []mailtext.Address
	repaired bool
}

type msgKind struct {
	date       time.Time
	folder     int32
	dup        bool
	userSent   bool
	junk       bool
	autoReason string
}

// learnAliases counts the sender of a message in the sent folder as a
// candidate for the user's own address (SettleSelf decides): Sender when
// present (From is then someone the user wrote on behalf of), else From.
func (b *Builder) learnAliases() {
	h := hFrom
	for _, a := range b.lists[hSender] {
		if !a.Stray {
			h = hSender
		}
	}
	b.sentMsgs++
	b.unsettled = true
	for _, a := range b.lists[h] {
		if s := b.self[a.Key]; a.Stray || (s != nil && s.given) || b.notSelf[a.Key] {
			continue
		}
		c := b.candidates[a.Key]
		if c == nil {
			c = &selfAcc{email: a.Email}
			b.candidates[a.Key] = c
		}
		c.inSent++
	}
}

func messageDate(m Message) time.Time {
	d := m.Date
	switch {
	case d.IsZero() || d.Year() < 1980:
		return m.InternalDate
	case !m.InternalDate.IsZero() && d.After(m.InternalDate.Add(48*time.Hour)):
		return m.InternalDate
	}
	return d
}

func (b *Builder) folder(name string) int32 {
	if i, ok := b.folderIx[name]; ok {
		return i
	}
	i := int32(len(b.folders))
	b.folders = append(b.folders, name)
	b.folderIx[name] = i
	return i
}

func (b *Builder) touch(a mailtext.Address, rel uint8, fromField bool, mk *msgKind) {
	if s := b.self[a.Key]; s != nil && s.given {
		return
	}
	if a.Stray {
		rel, fromField = relSeen, false
	}
	c := b.contacts[a.Key]
	if c == nil {
		c = &acc{key: a.Key}
		b.contacts[a.Key] = c
	}
	c.addFolder(mk.folder)
	if mk.dup {
		return
	}
	c.addVariant(a.Email, fromField)
	if a.Name != "" {
		if n := personName(a.Name, a.Email); n != "" {
			c.addName(n, fromField, mk.date)
		}
	}
	if !mk.date.IsZero() {
		if c.first.IsZero() || mk.date.Before(c.first) {
			c.first = mk.date
		}
		if mk.date.After(c.last) {
			c.last = mk.date
		}
	}
	if c.stamp != b.seq {
		c.stamp, c.rel = b.seq, 0
		c.msgs++
		switch {
		case mk.userSent:
			c.human++
		case mk.junk:
			c.junk++
		case mk.autoReason != "":
			c.auto++
			if c.autoReason == "" {
				c.autoReason = mk.autoReason
			}
		default:
			c.human++
		}
	}
	if rel != relSeen && c.rel&rel == 0 {
		if c.rel == 0 {
			c.strong++
		}
		c.rel |= rel
		if rel == relSent {
			c.sent++
		} else {
			c.recv++
		}
	}
}

func (c *acc) addFolder(ix int32) {
	for _, f := range c.folders {
		if f == ix {
			return
		}
	}
	c.folders = append(c.folders, ix)
}

func (c *acc) addVariant(email string, from bool) {
	for i := range c.variants {
		if c.variants[i].email == email {
			c.variants[i].n++
			if from {
				c.variants[i].from++
			}
			return
		}
	}
	v := variantAcc{email: email, n: 1}
	if from {
		v.from = 1
	}
	c.variants = append(c.variants, v)
}

func (c *acc) addName(name string, from bool, date time.Time) {
	for i := range c.names {
		if c.names[i].name == name {
			n := &c.names[i]
			n.n++
			if from {
				n.from++
			}
			if date.After(n.last) {
				n.last = date
			}
			return
		}
	}
	n := nameAcc{name: name, n: 1, last: date}
	if from {
		n.from = 1
	}
	c.names = append(c.names, n)
}
