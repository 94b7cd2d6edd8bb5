package migrate

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"hash/fnv"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
)

// destIndex finds an archived message among destination messages that no
// record accounts for: by Message-ID, or by internal date for a message
// without one, and then by SHA-256 of the bytes. It keeps a 64-bit key and a
// UID per message (about 50 bytes each), never bytes.
type destIndex struct {
	byKey   map[uint64][]uint32
	claimed map[uint32]bool // each destination message stands for one archived message
	size    map[uint32]int64
}

const indexChunk = 1000 // UIDs per UID FETCH

func idKey(messageID string) uint64 {
	h := fnv.New64a()
	h.Write([]byte("id:" + strings.Trim(strings.TrimSpace(messageID), "<>")))
	return h.Sum64()
}

func dateKey(t time.Time) uint64 {
	h := fnv.New64a()
	h.Write([]byte("date:" + t.UTC().Format(time.RFC3339)))
	return h.Sum64()
}

// buildIndex reads the Message-ID header, internal date and size of the
// given messages of the selected folder.
func buildIndex(ctx context.Context, c *imapconn.Conn, uids []uint32) (*destIndex, error) {
	x := &destIndex{byKey: map[uint64][]uint32{}, claimed: map[uint32]bool{}, size: map[uint32]int64{}}
	section := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Message-ID"}, Peek: true}
	for start := 0; start < len(uids); start += indexChunk {
		var set imap.UIDSet
		for _, u := range uids[start:min(start+indexChunk, len(uids))] {
			set.AddNum(imap.UID(u))
		}
		cmd := c.Fetch(set, &imap.FetchOptions{UID: true, InternalDate: true, RFC822Size: true,
			BodySection: []*imap.FetchItemBodySection{section}})
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			var uid uint32
			var date time.Time
			var size int64
			var id string
			for item := msg.Next(); item != nil; item = msg.Next() {
				switch it := item.(type) {
				case imapclient.FetchItemDataUID:
					uid = uint32(it.UID)
				case imapclient.FetchItemDataInternalDate:
					date = it.Time
				case imapclient.FetchItemDataRFC822Size:
					size = it.Size
				case imapclient.FetchItemDataBodySection:
					b, err := io.ReadAll(io.LimitReader(it.Literal, 64<<10))
					if err != nil {
						c.EndCutFetch(cmd)
						return nil, imapconn.Classify(ctx, "read new folder", c.Host, err)
					}
					id = headerValue(b, "message-id")
				}
			}
			if uid == 0 {
				continue
			}
			key := dateKey(date)
			if id != "" {
				key = idKey(id)
			}
			x.byKey[key] = append(x.byKey[key], uid)
			x.size[uid] = size
		}
		if err := cmd.Close(); err != nil {
			return nil, imapconn.Classify(ctx, "read new folder", c.Host, err)
		}
	}
	return x, nil
}

// headerValue returns one header field's unfolded value from a header block.
func headerValue(block []byte, name string) string {
	var val []byte
	in := false
	sc := bufio.NewScanner(bytes.NewReader(block))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		line := bytes.TrimRight(sc.Bytes(), "\r")
		switch {
		case in && len(line) > 0 && (line[0] == ' ' || line[0] == '\t'):
			val = append(append(val, ' '), bytes.TrimSpace(line)...)
		case in:
			return string(val)
		default:
			if k, v, ok := bytes.Cut(line, []byte(":")); ok && strings.EqualFold(string(bytes.TrimSpace(k)), name) {
				val, in = append([]byte(nil), bytes.TrimSpace(v)...), true
			}
		}
	}
	return string(val)
}

// match looks for m among the indexed messages: candidates with its
// Message-ID (or internal date) whose bytes hash to the archived SHA-256,
// exactly or once bare LFs are made CRLF on both sides (as many servers
// store them). A match is claimed, so it stands for one message only.
func (x *destIndex) match(ctx context.Context, c *imapconn.Conn, a *archive.Archive, m pendingMsg) (uint32, bool, error) {
	key := idKey(m.messageID)
	if m.messageID == "" {
		date, err := time.Parse(time.RFC3339, m.internalDate)
		if err != nil {
			return 0, false, nil
		}
		key = dateKey(date)
	}
	var normSum string
	for _, uid := range x.byKey[key] {
		if x.claimed[uid] {
			continue
		}
		exact, norm, err := fetchSums(ctx, c, uid)
		if err != nil {
			return 0, false, err
		}
		if exact == "" {
			continue // gone meanwhile
		}
		if exact != m.sha256 {
			if normSum == "" {
				if normSum, err = archiveNormSum(ctx, a, m.id); err != nil {
					return 0, false, err
				}
			}
			if norm != normSum {
				continue
			}
		}
		x.claimed[uid] = true
		return uid, true, nil
	}
	return 0, false, nil
}

// fetchSums fetches one message of the selected folder with BODY.PEEK[] and
// returns the SHA-256 of its bytes and of its bytes with bare LFs made CRLF,
// streaming. Both are "" when the message is not there.
func fetchSums(ctx context.Context, c *imapconn.Conn, uid uint32) (exact, norm string, err error) {
	cmd := c.Fetch(imap.UIDSetNum(imap.UID(uid)), &imap.FetchOptions{UID: true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		for item := msg.Next(); item != nil; item = msg.Next() {
			if it, ok := item.(imapclient.FetchItemDataBodySection); ok {
				h, n := sha256.New(), newCRLFHash()
				if _, err := io.Copy(io.MultiWriter(h, n), it.Literal); err != nil {
					c.EndCutFetch(cmd)
					return "", "", imapconn.Classify(ctx, "read new folder", c.Host, err)
				}
				exact, norm = hex.EncodeToString(h.Sum(nil)), n.sum()
			}
		}
	}
	if err := cmd.Close(); err != nil {
		return "", "", imapconn.Classify(ctx, "read new folder", c.Host, err)
	}
	return exact, norm, nil
}

// archiveNormSum is the SHA-256 of an archived message with bare LFs made
// CRLF.
func archiveNormSum(ctx context.Context, a *archive.Archive, id int64) (string, error) {
	n := newCRLFHash()
	if _, err := io.Copy(n, a.OpenMessage(ctx, id)); err != nil {
		return "", err
	}
	return n.sum(), nil
}

// crlfHash hashes what is written with every LF not after a CR made CRLF.
type crlfHash struct {
	h      hash.Hash
	lastCR bool
}

func newCRLFHash() *crlfHash { return &crlfHash{h: sha256.New()} }

func (c *crlfHash) Write(p []byte) (int, error) {
	start := 0
	for i, b := range p {
		afterCR := c.lastCR
		if i > 0 {
			afterCR = p[i-1] == '\r'
		}
		if b == '\n' && !afterCR {
			c.h.Write(p[start:i])
			c.h.Write([]byte("\r\n"))
			start = i + 1
		}
	}
	c.h.Write(p[start:])
	if len(p) > 0 {
		c.lastCR = p[len(p)-1] == '\r'
	}
	return len(p), nil
}

func (c *crlfHash) sum() string { return hex.EncodeToString(c.h.Sum(nil)) }
