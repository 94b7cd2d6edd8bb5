package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mbox"
)

// ref is one message as the server sent it.
type ref struct {
	size int64
	sum  [32]byte
}

// readRefs reads the wire run's hashes.
func readRefs(path string) (map[key]ref, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	refs := map[key]ref{}
	var total int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		if len(p) != 4 {
			return nil, 0, fmt.Errorf("%s: bad line %q", path, sc.Text())
		}
		uid, err1 := strconv.ParseUint(p[1], 10, 32)
		size, err2 := strconv.ParseInt(p[2], 10, 64)
		sum, err3 := hex.DecodeString(p[3])
		if err := errors.Join(err1, err2, err3); err != nil || len(sum) != 32 {
			return nil, 0, fmt.Errorf("%s: bad line %q", path, sc.Text())
		}
		var r ref
		r.size = size
		copy(r.sum[:], sum)
		refs[key{p[0], uint32(uid)}] = r
		total += size
	}
	return refs, total, sc.Err()
}

// checkWire compares what the server sent with what was seeded.
func checkWire(refs map[key]ref, c *corpus) (exact int, notes []string) {
	for k, want := range c.expected {
		got, ok := refs[k]
		switch {
		case !ok:
			notes = append(notes, fmt.Sprintf("%s uid %d not fetched", k.folder, k.uid))
		case got.sum != want:
			notes = append(notes, fmt.Sprintf("%s uid %d differs from the seeded message in wire form", k.folder, k.uid))
		default:
			exact++
		}
	}
	return exact, firstNotes(notes)
}

// archiveCheck is the result of reading a Mailark archive back.
type archiveCheck struct {
	messages            int // rows in current folders
	sqliteOK, mboxOK    int // messages whose bytes equal the reference
	exact               int // both
	missing, unexpected int
	notes               []string
}

// checkArchive reads every message of a Mailark archive back, from SQLite
// (the stored chunks, hashed again, and the sha256 column) and from the
// mbox file (mboxrd reader, entry by entry), and compares with refs.
func checkArchive(ctx context.Context, dir string, refs map[key]ref) (archiveCheck, error) {
	var res archiveCheck
	a, err := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
	if err != nil {
		return res, err
	}
	defer a.Close()
	folders, err := a.Folders(ctx)
	if err != nil {
		return res, err
	}
	seen := map[key]bool{}
	for _, f := range folders {
		if !f.Current {
			continue
		}
		// An empty folder may have no mbox file yet.
		mf, err := os.Open(a.Path(f.MboxPath))
		if errors.Is(err, os.ErrNotExist) && f.MboxSize == 0 {
			mf, err = os.Open(os.DevNull)
		}
		if err != nil {
			return res, err
		}
		mr := mbox.NewReader(bufio.NewReaderSize(mf, 1<<20))
		err = a.EachMessage(ctx, f.ID, func(m *archive.MessageInfo) error {
			res.messages++
			k := key{f.Name, m.UID}
			want, ok := refs[k]
			if !ok {
				res.unexpected++
				return nil
			}
			seen[k] = true
			sqlSum, err := hashReader(a.OpenMessage(ctx, m.ID))
			if err != nil {
				return err
			}
			sqlOK := sqlSum == want.sum && m.SHA256 == hex.EncodeToString(want.sum[:]) && m.Size == want.size
			e, err := mr.Next()
			if err != nil {
				return fmt.Errorf("mbox %s at uid %d: %w", f.MboxPath, m.UID, err)
			}
			mboxSum, err := hashReader(e.Body)
			if err != nil {
				return err
			}
			mboxOK := mboxSum == want.sum && e.Offset == m.MboxOffset
			if sqlOK {
				res.sqliteOK++
			}
			if mboxOK {
				res.mboxOK++
			}
			if sqlOK && mboxOK {
				res.exact++
			} else {
				res.notes = append(res.notes, fmt.Sprintf("%s uid %d: sqlite ok %v, mbox ok %v", f.Name, m.UID, sqlOK, mboxOK))
			}
			return nil
		})
		mf.Close()
		if err != nil {
			return res, err
		}
	}
	for k := range refs {
		if !seen[k] {
			res.missing++
		}
	}
	res.notes = firstNotes(res.notes)
	return res, nil
}

func hashReader(r io.Reader) ([32]byte, error) {
	h := sha256.New()
	var s [32]byte
	if _, err := io.Copy(h, r); err != nil {
		return s, err
	}
	copy(s[:], h.Sum(nil))
	return s, nil
}

func firstNotes(notes []string) []string {
	if len(notes) > 5 {
		return append(notes[:5:5], fmt.Sprintf("… and %d more", len(notes)-5))
	}
	return notes
}
