package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// mbsync (Debian's isync 1.4) backs up the same account into a Maildir:
// Sync Pull, Create Near, every folder (Patterns *), all other settings
// its defaults, once as is (FSync yes: an fsync per message) and once with
// the global FSync no.

func mbsyncConfig(dir string, fsync bool, port int, caFile, user, pass string) string {
	var b strings.Builder
	if !fsync {
		b.WriteString("FSync no\n\n")
	}
	fmt.Fprintf(&b, `IMAPAccount bench
Host localhost
Port %d
User %s
Pass %s
SSLType IMAPS
CertificateFile %s

IMAPStore far
Account bench

MaildirStore near
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel bench
Far :far:
Near :near:
Patterns *
Sync Pull
Create Near
SyncState *
`, port, user, strconv.Quote(pass), caFile, dir, dir)
	return b.String()
}

func mbsyncVersion() string {
	out, err := exec.Command("mbsync", "--version").Output()
	if err != nil {
		return "not installed (apt-get install isync)"
	}
	return strings.TrimSpace(string(out))
}

var uidInName = regexp.MustCompile(`,U=([0-9]+)`)

// mbsyncCheck is the result of reading mbsync's Maildir back.
type mbsyncCheck struct {
	files, exact, missing, unexpected int
	tuid                              int // files with mbsync's X-TUID line
	notes                             []string
}

// checkMaildir hashes every message file mbsync wrote, in wire form (a
// Maildir holds LF line ends; mbsync turns CRLF into LF, so LF is turned
// back into CRLF before comparing) and without mbsync's X-TUID line, and
// compares it with the reference by folder and UID (the U= in the file
// name).
func checkMaildir(dir string, refs map[key]ref) (mbsyncCheck, error) {
	var res mbsyncCheck
	seen := map[key]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		sub := filepath.Base(filepath.Dir(path))
		if sub != "cur" && sub != "new" {
			return nil
		}
		rel, _ := filepath.Rel(dir, filepath.Dir(filepath.Dir(path)))
		folder := decodeModifiedUTF7(filepath.ToSlash(rel))
		m := uidInName.FindStringSubmatch(d.Name())
		if m == nil {
			res.unexpected++
			return nil
		}
		uid, _ := strconv.ParseUint(m[1], 10, 32)
		res.files++
		k := key{folder, uint32(uid)}
		want, ok := refs[k]
		if !ok {
			res.unexpected++
			res.notes = append(res.notes, fmt.Sprintf("%s: no such message on the server", path))
			return nil
		}
		seen[k] = true
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		raw, tuid := stripTUID(raw)
		if tuid {
			res.tuid++
		}
		if wireSum(raw) == want.sum {
			res.exact++
		} else {
			res.notes = append(res.notes, fmt.Sprintf("%s uid %d: %s", folder, uid, describeDiff(raw, want.size)))
		}
		return nil
	})
	for k := range refs {
		if !seen[k] {
			res.missing++
		}
	}
	res.notes = firstNotes(res.notes)
	return res, err
}

// stripTUID removes the "X-TUID: " header line that mbsync adds to every
// message it stores (its own bookkeeping, to find the message again), so
// that what remains can be compared with what the server sent.
func stripTUID(raw []byte) ([]byte, bool) {
	end := bytes.Index(raw, []byte("\n\n"))
	if end < 0 {
		end = len(raw)
	}
	var i int
	switch {
	case bytes.HasPrefix(raw, []byte("X-TUID: ")):
		i = 0
	default:
		j := bytes.Index(raw[:end], []byte("\nX-TUID: "))
		if j < 0 {
			return raw, false
		}
		i = j + 1
	}
	k := bytes.IndexByte(raw[i:], '\n')
	if k < 0 {
		return raw, false
	}
	out := make([]byte, 0, len(raw))
	out = append(out, raw[:i]...)
	return append(out, raw[i+k+1:]...), true
}

// describeDiff says roughly how a stored file differs.
func describeDiff(raw []byte, wireSize int64) string {
	got := wireLen(raw)
	switch {
	case got < wireSize:
		return fmt.Sprintf("%d bytes shorter than sent", wireSize-got)
	case got > wireSize:
		return fmt.Sprintf("%d bytes longer than sent", got-wireSize)
	}
	return "same length, other bytes"
}
