package main

import (
	"bytes"
	"crypto/sha256"
	"runtime"
	"sync"

	"github.com/mailark/mailark/internal/testimap"
)

// key names a message on the server.
type key struct {
	folder string
	uid    uint32
}

// corpus is what was seeded.
type corpus struct {
	n          int
	fileBytes  int64 // as stored in the maildir
	wireBytes  int64 // as Dovecot sends them (LF becomes CRLF)
	largest    int64
	perFolder  map[string]int
	expected   map[key][32]byte // SHA-256 of the wire form
	oddEndings int              // messages with a bare CR or LF line
}

// seedCorpus generates n messages and writes them into user's maildir
// through Seed, folder by folder in message order, so folder f's k-th
// message gets UID k. Generation runs on every core, in blocks.
func seedCorpus(d *testimap.Dovecot, user string, n int, seed uint64) (*corpus, error) {
	c := &corpus{n: n, perFolder: map[string]int{}, expected: map[key][32]byte{}}
	type made struct {
		m   corpusMessage
		sum [32]byte
		odd bool
	}
	const block = 512
	pending := map[string][]testimap.SeedMessage{}
	pendingBytes := map[string]int{}
	flush := func(folder string) error {
		err := d.SeedFolder(user, folder, pending[folder])
		pending[folder], pendingBytes[folder] = nil, 0
		return err
	}
	workers := runtime.NumCPU()
	for start := 0; start < n; start += block {
		end := min(start+block, n)
		out := make([]made, end-start)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := start + w; i < end; i += workers {
					m := generate(seed, i, n)
					out[i-start] = made{m: m, sum: wireSum(m.raw), odd: oddEnding(m.raw)}
				}
			}()
		}
		wg.Wait()
		for _, x := range out {
			m := x.m
			c.perFolder[m.folder]++
			c.expected[key{m.folder, uint32(c.perFolder[m.folder])}] = x.sum
			c.fileBytes += int64(len(m.raw))
			c.wireBytes += wireLen(m.raw)
			c.largest = max(c.largest, int64(len(m.raw)))
			if x.odd {
				c.oddEndings++
			}
			pending[m.folder] = append(pending[m.folder], testimap.SeedMessage{Raw: m.raw, Flags: m.flags, InternalDate: m.date})
			pendingBytes[m.folder] += len(m.raw)
			if len(pending[m.folder]) >= 256 || pendingBytes[m.folder] >= 32<<20 {
				if err := flush(m.folder); err != nil {
					return nil, err
				}
			}
		}
	}
	for folder := range pending {
		if len(pending[folder]) > 0 {
			if err := flush(folder); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// wireSum is the SHA-256 of raw as Dovecot sends a maildir file: every LF
// not preceded by CR becomes CRLF; a bare CR stays.
func wireSum(raw []byte) [32]byte {
	h := sha256.New()
	rest := raw
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			h.Write(rest)
			break
		}
		cr := i > 0 && rest[i-1] == '\r' // at i == 0 the byte before is the last LF
		h.Write(rest[:i])
		if cr {
			h.Write([]byte{'\n'})
		} else {
			h.Write([]byte{'\r', '\n'})
		}
		rest = rest[i+1:]
	}
	var s [32]byte
	copy(s[:], h.Sum(nil))
	return s
}

func wireLen(raw []byte) int64 {
	n := int64(len(raw))
	for i, b := range raw {
		if b == '\n' && (i == 0 || raw[i-1] != '\r') {
			n++
		}
	}
	return n
}

// oddEnding reports a bare CR, or a bare LF in a CRLF message.
func oddEnding(raw []byte) bool {
	crlf := bytes.Contains(raw, []byte("\r\n"))
	for i, b := range raw {
		if b == '\r' && (i+1 == len(raw) || raw[i+1] != '\n') {
			return true
		}
		if crlf && b == '\n' && (i == 0 || raw[i-1] != '\r') {
			return true
		}
	}
	return false
}
