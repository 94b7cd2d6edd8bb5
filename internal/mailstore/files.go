package mailstore

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The helpers in this file are shared by the readers written here (mbox,
// Maildir, .eml, Thunderbird): every store file is opened with os.Open
// (O_RDONLY, no lock), and its size and modification time are taken when
// reading starts and checked again when a message has been read, so that a
// file the app changes meanwhile gives ErrChanged instead of half a read.

// fileState is what is checked to tell that a file changed.
type fileState struct {
	size  int64
	mtime time.Time
}

func stateOf(fi os.FileInfo) fileState { return fileState{fi.Size(), fi.ModTime()} }

// watched is a store file opened for reading, with its state when opened.
type watched struct {
	path string
	f    *os.File
	st   fileState
}

// openWatched opens path read-only and records its state. A symlink, or a
// path that is not a regular file, is refused: a store's files are its own.
func openWatched(path string) (*watched, error) {
	li, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if li.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s: a symbolic link, not the store's own file: not read", path)
	}
	if !li.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &watched{path: path, f: f, st: stateOf(fi)}, nil
}

// changed reports whether the file (the open one, or the one now at its
// path) differs from when it was opened.
func (w *watched) changed() bool {
	fi, err := w.f.Stat()
	if err != nil || stateOf(fi) != w.st {
		return true
	}
	pi, err := os.Stat(w.path)
	if err != nil || !os.SameFile(fi, pi) || stateOf(pi) != w.st {
		return true
	}
	return false
}

func (w *watched) Close() error { return w.f.Close() }

// checkedReader gives ErrChanged instead of io.EOF when the watched file
// changed while the message was read.
type checkedReader struct {
	r    io.Reader
	w    *watched
	c    io.Closer // closed by Close; nil when the file is shared
	done bool
}

func (c *checkedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		if !c.done {
			c.done = true
			if c.w.changed() {
				c.r = errReader{ErrChanged}
				return n, ErrChanged
			}
		}
	}
	return n, err
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func (c *checkedReader) Close() error {
	if c.c != nil {
		return c.c.Close()
	}
	return nil
}

// inside reports whether path, with its symbolic links resolved, lies
// within root (also resolved).
func inside(root, path string) bool {
	r, err := filepath.EvalSymlinks(root)
	if err != nil {
		return false
	}
	p, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(r, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// isDir reports whether path is a directory (not through a symlink).
func isDir(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.IsDir()
}

// isFile reports whether path is a regular file (not through a symlink).
func isFile(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode().IsRegular()
}

// startsWith reports whether the file at path begins with prefix.
func startsWith(path string, prefix []byte) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, len(prefix))
	_, err = io.ReadFull(f, b)
	return err == nil && bytes.Equal(b, prefix)
}

// maxHeaderScan bounds how much of a message's header a reader looks at
// for flags and dates.
const maxHeaderScan = 64 << 10

// headerInfo is what readers take from a message's header.
type headerInfo struct {
	mozStatus, mozStatus2 string // X-Mozilla-Status, X-Mozilla-Status2
	mozKeys               string // X-Mozilla-Keys
	status, xstatus       string // Status, X-Status (mutt, pine)
	contentLength         string // Content-Length
	date                  string // Date
}

// field records one header line (name: value, unfolded enough for the
// fields above, which are one line).
func (h *headerInfo) field(line []byte) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 || i > 40 {
		return
	}
	v := string(bytes.TrimSpace(line[i+1:]))
	switch strings.ToLower(string(bytes.TrimSpace(line[:i]))) {
	case "x-mozilla-status":
		h.mozStatus = v
	case "x-mozilla-status2":
		h.mozStatus2 = v
	case "x-mozilla-keys":
		h.mozKeys = v
	case "status":
		h.status = v
	case "x-status":
		h.xstatus = v
	case "content-length":
		h.contentLength = v
	case "date":
		h.date = v
	}
}

// readHeader reads the header of the message in r (up to maxHeaderScan
// bytes) for headerInfo.
func readHeader(r io.Reader) headerInfo {
	var h headerInfo
	br := bufio.NewReaderSize(io.LimitReader(r, maxHeaderScan), 4096)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A long line: not one of ours; skip to its end.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			continue
		}
		t := bytes.TrimRight(line, "\r\n")
		if len(t) == 0 {
			return h
		}
		h.field(t)
		if err != nil {
			return h
		}
	}
}

// Mozilla status bits (nsMsgMessageFlags).
var mozFlagBits = []flagBit{
	{0x0001, `\Seen`},      // Read
	{0x0002, `\Answered`},  // Replied
	{0x0004, `\Flagged`},   // Marked
	{0x0008, `\Deleted`},   // Expunged
	{0x1000, "$Forwarded"}, // Forwarded
}

// flagBit is one bit (mask) of an app's flag word and the IMAP flag it
// stands for.
type flagBit struct {
	mask uint64
	name string
}

// bitFlags lists, in table's order, the flags whose bits are set in v.
func bitFlags(v uint64, table []flagBit) []string {
	var out []string
	for _, b := range table {
		if v&b.mask != 0 {
			out = append(out, b.name)
		}
	}
	return out
}

// flags turns the header's status fields into IMAP flag names. A
// Thunderbird message marked deleted but not yet compacted away gets
// \Deleted: it is archived as deleted, never dropped and never live.
func (h *headerInfo) flags() []string {
	set := map[string]bool{}
	if h.mozStatus != "" {
		var v uint64
		if _, err := fmt.Sscanf(h.mozStatus, "%x", &v); err == nil {
			for _, f := range bitFlags(v, mozFlagBits) {
				set[f] = true
			}
		}
	}
	for _, k := range strings.Fields(h.mozKeys) {
		if validKeyword(k) {
			set[k] = true
		}
	}
	if strings.ContainsRune(h.status, 'R') {
		set[`\Seen`] = true
	}
	for _, c := range h.xstatus {
		switch c {
		case 'A':
			set[`\Answered`] = true
		case 'F':
			set[`\Flagged`] = true
		case 'D':
			set[`\Deleted`] = true
		case 'T':
			set[`\Draft`] = true
		}
	}
	return sortedFlags(set)
}

// validKeyword reports whether k can be an IMAP keyword.
func validKeyword(k string) bool {
	if k == "" || len(k) > 100 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`(){%*"\]`, c) >= 0 {
			return false
		}
	}
	return true
}

func sortedFlags(set map[string]bool) []string {
	order := []string{`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`}
	var out []string
	for _, f := range order {
		if set[f] {
			out = append(out, f)
			delete(set, f)
		}
	}
	var kw []string
	for k := range set {
		kw = append(kw, k)
	}
	sortStrings(kw)
	return append(out, kw...)
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// headerDate parses a Date header value; zero when it cannot.
func headerDate(v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	if i := strings.Index(v, "("); i > 0 {
		v = strings.TrimSpace(v[:i])
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700",
		"2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST", "2 Jan 2006 15:04:05 MST",
		"Mon, 2 Jan 2006 15:04 -0700", "Mon, _2 Jan 2006 15:04:05 -0700"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// roleOf guesses a folder's role from its name, as apps name them.
func roleOf(name string) string {
	switch strings.ToLower(name) {
	case "inbox":
		return "inbox"
	case "sent", "sent items", "sent messages", "sent mail":
		return "sent"
	case "drafts":
		return "drafts"
	case "trash", "deleted items", "deleted messages":
		return "trash"
	case "junk", "spam", "junk e-mail", "junk email":
		return "junk"
	}
	return ""
}
