package mailstore

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"iter"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/mailerr"
)

// A .partial.emlx is a message whose attachments Apple Mail keeps apart:
// each such MIME part is left in the message with its header, an extra
// "X-Apple-Content-Length" field and an empty body, and its content,
// decoded, is the one file in Attachments/<message number>/<part>/ next
// to the Messages folder (<part> is the IMAP part number: "2", "1.2").
//
// Reading one puts each attachment back: the part's header without the
// X-Apple-Content-Length field, then the file encoded again as the part's
// Content-Transfer-Encoding says (base64 in lines of 76, quoted-printable,
// or as is), with the message's own line ends. Everything else is the
// file's bytes unchanged. A part whose file is gone stays as it is (with
// its X-Apple-Content-Length, so it shows what was left out) and the
// message is marked Partial, naming the part.

const (
	partialMax      = 32 << 20 // the message without its attachments
	partialDepthMax = 30       // multipart nesting
	partialPartsMax = 10000
)

// partialSplice replaces part of the message with an attachment file.
type partialSplice struct {
	fieldStart, fieldEnd int    // the X-Apple-Content-Length field, removed
	bodyStart, bodyEnd   int    // the (empty) body, replaced by the file
	prefix               string // line end(s) the header lacks before the body
	file                 string
	encoding             string // the part's Content-Transfer-Encoding, lower case
}

// partialPlan is how to rebuild one .partial.emlx.
type partialPlan struct {
	msg     []byte
	eol     string
	splices []partialSplice
	missing []string // parts whose attachment file is not there
}

// planPartial reads a .partial.emlx's message (msg) and finds its
// attachments under attDir (Attachments/<number>).
func planPartial(msg []byte, attDir string) *partialPlan {
	p := &partialPlan{msg: msg, eol: "\n"}
	if i := bytes.IndexByte(msg, '\n'); i > 0 && msg[i-1] == '\r' {
		p.eol = "\r\n"
	}
	w := partialWalker{plan: p, attDir: attDir}
	w.part(0, len(msg), "", 0)
	sort.Slice(p.splices, func(i, j int) bool { return p.splices[i].fieldStart < p.splices[j].fieldStart })
	return p
}

type partialWalker struct {
	plan   *partialPlan
	attDir string
	parts  int
}

// part looks at the MIME entity msg[start:end], numbered num ("" for the
// message itself).
func (w *partialWalker) part(start, end int, num string, depth int) {
	w.parts++
	if depth > partialDepthMax || w.parts > partialPartsMax {
		return
	}
	msg := w.plan.msg
	hdrEnd, bodyStart := headerEnd(msg[start:end])
	hdrEnd += start
	bodyStart += start
	fields := headerFields(msg, start, hdrEnd)
	ctype := fields.get("content-type")
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(ctype, ";", 2)[0]))
	}
	if strings.HasPrefix(mt, "multipart/") {
		boundary := params["boundary"]
		if boundary == "" {
			return
		}
		for i, c := range multipartChildren(msg, bodyStart, end, boundary) {
			w.part(c[0], c[1], joinPart(num, i+1), depth+1)
		}
		return
	}
	if num == "" {
		num = "1"
	}
	apple, ok := fields.find("x-apple-content-length")
	if !ok {
		return
	}
	name := params["name"]
	if _, dp, err := mime.ParseMediaType(fields.get("content-disposition")); err == nil && dp["filename"] != "" {
		name = dp["filename"]
	}
	file := attachmentFile(filepath.Join(w.attDir, num), name)
	if file == "" {
		what := "part " + num
		if name != "" {
			what += " (" + name + ")"
		}
		w.plan.missing = append(w.plan.missing, what)
		return
	}
	prefix := ""
	if hdrEnd == bodyStart { // no empty line: the part ends inside its header
		prefix = w.plan.eol
		if hdrEnd > start && msg[hdrEnd-1] != '\n' {
			prefix += w.plan.eol
		}
	}
	w.plan.splices = append(w.plan.splices, partialSplice{
		prefix:     prefix,
		fieldStart: apple.start, fieldEnd: apple.end,
		bodyStart: bodyStart, bodyEnd: end,
		file:     file,
		encoding: strings.ToLower(strings.TrimSpace(fields.get("content-transfer-encoding"))),
	})
}

func joinPart(num string, i int) string {
	if num == "" {
		return fmt.Sprint(i)
	}
	return fmt.Sprintf("%s.%d", num, i)
}

// attachmentFile returns the attachment file in dir: the only regular file
// there, or the one called name. "" if there is none.
func attachmentFile(dir, name string) string {
	if !isDir(dir) {
		return ""
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	var files []string
	for _, e := range ents {
		if e.Type().IsRegular() {
			files = append(files, e.Name())
		}
	}
	switch {
	case len(files) == 0:
		return ""
	case len(files) == 1:
		return filepath.Join(dir, files[0])
	}
	for _, f := range files {
		if f == name {
			return filepath.Join(dir, f)
		}
	}
	return filepath.Join(dir, files[0])
}

// parseHeaderDate reads a Date header's value; zero when it cannot.
func parseHeaderDate(v string) time.Time {
	t, err := mail.ParseDate(strings.TrimSpace(v))
	if err != nil {
		return time.Time{}
	}
	return t
}

// messageDate returns the Date header's time of the message whose first
// bytes are head; zero when there is none or it cannot be read.
func messageDate(head []byte) time.Time {
	hdrEnd, _ := headerEnd(head)
	for _, f := range headerFields(head, 0, hdrEnd) {
		if f.name == "date" {
			return parseHeaderDate(f.value)
		}
	}
	return time.Time{}
}

// headerEnd returns where the header of entity b ends (before the empty
// line) and where its body starts (after it). With no empty line the
// whole entity is header.
func headerEnd(b []byte) (hdrEnd, bodyStart int) {
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return len(b), len(b)
		}
		line := b[i : i+j]
		if len(line) == 0 || (len(line) == 1 && line[0] == '\r') {
			return i, i + j + 1
		}
		i += j + 1
	}
	return len(b), len(b)
}

type headerField struct {
	name       string // lower case
	value      string // unfolded
	start, end int    // the field's bytes, with its line end(s)
}

type headerFieldList []headerField

func (l headerFieldList) find(name string) (headerField, bool) {
	for _, f := range l {
		if f.name == name {
			return f, true
		}
	}
	return headerField{}, false
}

func (l headerFieldList) get(name string) string {
	f, _ := l.find(name)
	return f.value
}

// headerFields splits msg[start:end] into fields.
func headerFields(msg []byte, start, end int) headerFieldList {
	var out headerFieldList
	for i, next := range lines(msg, start, end) {
		line := msg[i:next]
		if (line[0] == ' ' || line[0] == '\t') && len(out) > 0 {
			f := &out[len(out)-1]
			f.value += " " + strings.TrimSpace(string(line))
			f.end = next
		} else if c := bytes.IndexByte(line, ':'); c > 0 {
			out = append(out, headerField{
				name:  strings.ToLower(strings.TrimSpace(string(line[:c]))),
				value: strings.TrimSpace(string(line[c+1:])),
				start: i, end: next,
			})
		}
	}
	return out
}

// lines yields the start and end (past its "\n", or end) of each line of
// msg[start:end].
func lines(msg []byte, start, end int) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		for i := start; i < end; {
			next := end
			if j := bytes.IndexByte(msg[i:end], '\n'); j >= 0 {
				next = i + j + 1
			}
			if !yield(i, next) {
				return
			}
			i = next
		}
	}
}

// multipartChildren returns the [start, end) of each body part of a
// multipart body msg[start:end]. A part ends before the line end that
// precedes the next delimiter line.
func multipartChildren(msg []byte, start, end int, boundary string) [][2]int {
	delim := []byte("--" + boundary)
	var out [][2]int
	partStart := -1
	for i, next := range lines(msg, start, end) {
		line := msg[i:next]
		if bytes.HasPrefix(line, delim) {
			rest := bytes.TrimRight(line[len(delim):], " \t\r\n")
			closing := bytes.Equal(rest, []byte("--"))
			if len(rest) == 0 || closing {
				if partStart >= 0 {
					pe := i
					if pe > partStart && msg[pe-1] == '\n' {
						pe--
						if pe > partStart && msg[pe-1] == '\r' {
							pe--
						}
					}
					out = append(out, [2]int{partStart, pe})
				}
				if closing {
					return out
				}
				partStart = next
			}
		}
	}
	if partStart >= 0 && partStart < end {
		out = append(out, [2]int{partStart, end}) // no closing delimiter
	}
	return out
}

// partialReader streams the rebuilt message.
func (p *partialPlan) open(rel string) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(p.write(pw, rel))
	}()
	return pr
}

func (p *partialPlan) write(w io.Writer, rel string) error {
	pos := 0
	for _, s := range p.splices {
		if s.fieldStart < pos || s.bodyStart < s.fieldEnd || s.bodyEnd < s.bodyStart {
			continue // overlapping: cannot happen for a well-formed walk
		}
		if _, err := w.Write(p.msg[pos:s.fieldStart]); err != nil {
			return err
		}
		if _, err := w.Write(p.msg[s.fieldEnd:s.bodyStart]); err != nil {
			return err
		}
		if _, err := io.WriteString(w, s.prefix); err != nil {
			return err
		}
		if err := p.writeAttachment(w, s, rel); err != nil {
			return err
		}
		pos = s.bodyEnd
	}
	_, err := w.Write(p.msg[pos:])
	return err
}

func (p *partialPlan) writeAttachment(w io.Writer, s partialSplice, rel string) error {
	f, _, err := openStoreFile(s.file, rel+": attachment "+filepath.Base(s.file))
	if err != nil {
		return err
	}
	defer f.Close()
	var copyErr error
	switch s.encoding {
	case "base64":
		bw := &lineWriter{w: w, eol: p.eol, width: 76}
		enc := base64.NewEncoder(base64.StdEncoding, bw)
		if _, copyErr = io.Copy(enc, f); copyErr == nil {
			copyErr = enc.Close()
		}
	case "quoted-printable":
		ew := &eolWriter{w: w, eol: p.eol}
		qw := quotedprintable.NewWriter(ew)
		if _, copyErr = io.Copy(qw, f); copyErr == nil {
			copyErr = qw.Close()
		}
		if copyErr == nil {
			copyErr = ew.flush()
		}
	default:
		_, copyErr = io.Copy(w, f)
	}
	if copyErr != nil {
		return mailerr.FromFS("read", rel, copyErr)
	}
	return nil
}

// lineWriter breaks its input into lines of width bytes ended by eol,
// with no line end after the last.
type lineWriter struct {
	w     io.Writer
	eol   string
	width int
	col   int
}

func (l *lineWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		if l.col == l.width {
			if _, err := io.WriteString(l.w, l.eol); err != nil {
				return n, err
			}
			l.col = 0
		}
		k := min(len(b), l.width-l.col)
		if _, err := l.w.Write(b[:k]); err != nil {
			return n, err
		}
		l.col += k
		n += k
		b = b[k:]
	}
	return n, nil
}

// eolWriter turns the CRLF line ends of quotedprintable.Writer into eol.
type eolWriter struct {
	w       io.Writer
	eol     string
	pending bool // a '\r' held back
}

func (e *eolWriter) Write(b []byte) (int, error) {
	if e.eol == "\r\n" {
		return e.w.Write(b)
	}
	var out []byte
	for _, c := range b {
		if e.pending {
			e.pending = false
			if c == '\n' {
				out = append(out, e.eol...)
				continue
			}
			out = append(out, '\r')
		}
		if c == '\r' {
			e.pending = true
			continue
		}
		out = append(out, c)
	}
	if _, err := e.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (e *eolWriter) flush() error {
	if e.pending {
		e.pending = false
		_, err := e.w.Write([]byte{'\r'})
		return err
	}
	return nil
}
