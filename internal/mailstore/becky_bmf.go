package mailstore

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/mailerr"
)

// Reading .bmf files. A first pass over the file finds where each message
// starts and ends, its X-Becky-Status flags and its X-Becky-Include
// attachments; Open reads the message's range again, unstuffing dots and
// putting the attachments back, so no message is ever held in memory.
//
// The unstuffing: a line starting with ".." loses its first ".". A line
// "X-Becky-Include: <path>" in a body is replaced by the file
// #Attach/<path> of the folder, followed by a line end if the file does
// not end with one. A message that does not end with a line end gets one
// from Becky! before its "." line, and keeps it here: the format cannot
// say it was not there.

const (
	bmfBuf      = 64 << 10
	bmfLineHead = 1024 // what of a line is looked at for "." and the X-Becky fields
)

// bmfMessage is one message found in a .bmf file.
type bmfMessage struct {
	start, end int64 // the stuffed message, without its "." line
	flags      []string
	date       time.Time // the Date header's: Becky! keeps no arrival time in the .bmf
	includes   []string  // X-Becky-Include paths
	unended    bool      // the file ended before its "." line
}

// bmfLines reads a file line by line through a fixed buffer.
type bmfLines struct {
	br  *bufio.Reader
	off int64
}

// next returns the offset of the next line, its first bmfLineHead bytes
// (with the line end, if it fits), and whether the whole line fitted.
func (l *bmfLines) next() (start int64, head []byte, whole bool, err error) {
	start = l.off
	for {
		frag, err := l.br.ReadSlice('\n')
		l.off += int64(len(frag))
		if room := bmfLineHead - len(head); room > 0 {
			head = append(head, frag[:min(len(frag), room)]...)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && l.off == start:
			return start, nil, false, io.EOF
		case err != nil && err != io.EOF:
			return start, head, false, err
		}
		return start, head, int64(len(head)) == l.off-start, nil
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

func hasFieldPrefix(line []byte, name string) ([]byte, bool) {
	if len(line) <= len(name) || !bytes.EqualFold(line[:len(name)], []byte(name)) || line[len(name)] != ':' {
		return nil, false
	}
	return bytes.TrimSpace(line[len(name)+1:]), true
}

// scanBMF finds the messages of a .bmf file, calling fn for each.
func scanBMF(ctx context.Context, f io.Reader, rel string, fn func(bmfMessage) error) error {
	lines := &bmfLines{br: bufio.NewReaderSize(f, bmfBuf)}
	cur := bmfMessage{}
	inHeader, empty := true, true
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		start, head, whole, err := lines.next()
		if err == io.EOF {
			if !empty {
				cur.end, cur.unended = start, true
				return fn(cur)
			}
			return nil
		}
		if err != nil {
			return mailerr.FromFS("read", rel, err)
		}
		line := trimEOL(head)
		if whole && len(line) == 1 && line[0] == '.' {
			cur.end = start
			if err := fn(cur); err != nil {
				return err
			}
			cur = bmfMessage{start: lines.off}
			inHeader, empty = true, true
			continue
		}
		if empty && len(bytes.TrimSpace(head)) > 0 {
			empty = false
		}
		switch {
		case inHeader && len(line) == 0:
			inHeader = false
		case inHeader:
			if v, ok := hasFieldPrefix(line, "X-Becky-Status"); ok {
				cur.flags = beckyFlags(v)
			}
			if v, ok := hasFieldPrefix(line, "Date"); ok && cur.date.IsZero() {
				cur.date = parseHeaderDate(string(v))
			}
		case whole:
			if v, ok := hasFieldPrefix(line, "X-Becky-Include"); ok {
				cur.includes = append(cur.includes, string(v))
			}
		}
	}
}

// beckyFlags reads an X-Becky-Status value: hex flags before a comma.
func beckyFlags(v []byte) []string {
	s, _, _ := strings.Cut(string(v), ",")
	n, err := strconv.ParseUint(strings.TrimSpace(s), 16, 32)
	if err != nil {
		return nil
	}
	return bitFlags(n, beckyFlagBits)
}

// beckyFlagBits are X-Becky-Status's bits: 1 read, 4 replied, 2 forwarded.
var beckyFlagBits = []flagBit{{1, `\Seen`}, {4, `\Answered`}, {2, `$Forwarded`}}

// beckyAttachment returns the file an X-Becky-Include names, "" when the
// path is not a plain relative path under #Attach or the file is gone.
func beckyAttachment(folderDir, root, p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, ":") {
		return ""
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return ""
		}
	}
	for _, base := range []string{folderDir, root} {
		f := filepath.Join(base, "#Attach", filepath.FromSlash(p))
		if _, err := os.Lstat(f); err == nil {
			return f
		}
	}
	return ""
}

func (r *beckyReader) Messages(ctx context.Context, f Folder, fn func(*Message) error) error {
	dir := filepath.Join(r.root, filepath.FromSlash(f.Origin))
	if err := folderNotLink(dir, f.Origin); err != nil {
		return err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return mailerr.FromFS("list", f.Origin, err)
	}
	var files []string
	for _, e := range ents {
		if hasSuffixFold(e.Name(), ".bmf") && !e.IsDir() {
			files = append(files, e.Name())
		}
	}
	sort.Strings(files)
	for _, name := range files {
		if err := r.bmfMessages(ctx, dir, filepath.Join(dir, name), fn); err != nil {
			return err
		}
	}
	return nil
}

func (r *beckyReader) bmfMessages(ctx context.Context, dir, path string, fn func(*Message) error) error {
	rel := relPath(r.root, path)
	f, before, err := openStoreFile(path, rel)
	if err != nil {
		// The whole file is unreadable: one message-sized error says so.
		return fn(&Message{Origin: rel, Open: func() (io.ReadCloser, error) { return nil, err }})
	}
	defer f.Close()
	err = scanBMF(ctx, f, rel, func(bm bmfMessage) error {
		m := &Message{Origin: fmt.Sprintf("%s@%d", rel, bm.start), Flags: bm.flags, Date: bm.date}
		var missing []string
		for _, inc := range bm.includes {
			if beckyAttachment(dir, r.root, inc) == "" {
				missing = append(missing, inc)
			}
		}
		if len(missing) > 0 {
			m.Partial = "the attachment " + strings.Join(missing, ", ") + " is not in the folder's #Attach folder"
		}
		if bm.unended {
			if m.Partial != "" {
				m.Partial += "; "
			}
			m.Partial += "the file ends before this message's end line: it may be cut short"
		}
		m.Open = func() (io.ReadCloser, error) {
			cur, err := os.Lstat(path)
			if err != nil || cur.Size() != before.Size() || !cur.ModTime().Equal(before.ModTime()) {
				return nil, mailerr.New(mailerr.BadInput, "read", rel, ErrChanged)
			}
			return r.openBMF(path, rel, dir, bm)
		}
		return fn(m)
	})
	if err != nil {
		return err
	}
	if cur, err := os.Lstat(path); err != nil || cur.Size() != before.Size() || !cur.ModTime().Equal(before.ModTime()) {
		return ErrChanged
	}
	return nil
}

// openBMF streams one message: unstuffed, attachments put back.
func (r *beckyReader) openBMF(path, rel, dir string, bm bmfMessage) (io.ReadCloser, error) {
	f, _, err := openStoreFile(path, rel)
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() {
		defer f.Close()
		bw := bufio.NewWriterSize(pw, 32<<10) // one pipe hand-over per 32 KiB, not per line
		err := r.writeBMF(bw, io.NewSectionReader(f, bm.start, bm.end-bm.start), dir, rel)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	return pr, nil
}

func (r *beckyReader) writeBMF(w io.Writer, src io.Reader, dir, rel string) error {
	br := bufio.NewReaderSize(src, bmfBuf)
	atStart, inHeader := true, true
	for {
		frag, err := br.ReadSlice('\n')
		whole := err != bufio.ErrBufferFull && atStart
		out := frag
		if atStart && len(frag) >= 2 && frag[0] == '.' && frag[1] == '.' {
			out = frag[1:]
		}
		line := trimEOL(out)
		switch {
		case whole && inHeader && len(line) == 0:
			inHeader = false
		case whole && !inHeader:
			if v, ok := hasFieldPrefix(line, "X-Becky-Include"); ok {
				if file := beckyAttachment(dir, r.root, string(v)); file != "" {
					if err := copyAttachment(w, file, rel, out[len(line):]); err != nil {
						return err
					}
					out = nil
				}
			}
		}
		if _, werr := w.Write(out); werr != nil {
			return werr
		}
		atStart = len(frag) > 0 && frag[len(frag)-1] == '\n'
		if err == io.EOF {
			return nil
		}
		if err != nil && err != bufio.ErrBufferFull {
			return mailerr.FromFS("read", rel, err)
		}
	}
}

// copyAttachment writes the file, then eol if it does not end with a
// line end.
func copyAttachment(w io.Writer, file, rel string, eol []byte) error {
	af, _, err := openStoreFile(file, rel+": "+filepath.Base(file))
	if err != nil {
		return err
	}
	defer af.Close()
	var last [1]byte
	n, err := io.Copy(w, io.TeeReader(af, lastByte(last[:])))
	if err != nil {
		return mailerr.FromFS("read", rel, err)
	}
	if n > 0 && last[0] != '\n' {
		if len(eol) == 0 {
			eol = []byte("\r\n")
		}
		_, err = w.Write(eol)
	}
	return err
}

// lastByte is a writer that remembers the last byte written.
type lastByte []byte

func (l lastByte) Write(p []byte) (int, error) {
	if len(p) > 0 {
		l[0] = p[len(p)-1]
	}
	return len(p), nil
}
