package mailstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/mbox"
)

// appleReader reads an Apple Mail account folder, a V<n> folder (its
// accounts' mailboxes under the account folder's name), one mailbox, or
// exported .mbox bundles.
type appleReader struct {
	root string
}

func openAppleReader(root string) (*appleReader, error) {
	if !isDir(root) {
		return nil, mailerr.New(mailerr.BadInput, "open", root, errors.New("is not an Apple Mail folder"))
	}
	return &appleReader{root: root}, nil
}

func (r *appleReader) Close() error { return nil }

func (r *appleReader) Folders(ctx context.Context) ([]Folder, error) {
	var out []Folder
	if isMailboxName(filepath.Base(r.root)) {
		name := appleMailboxName(filepath.Base(r.root))
		out = append(out, Folder{Name: name, Role: roleOf(name), Origin: "."})
		r.mailboxes(r.root, name, &out, 0)
	} else {
		r.mailboxes(r.root, "", &out, 0)
		// A V<n> folder: one level of account folders.
		ents, err := os.ReadDir(r.root)
		if err != nil {
			return nil, mailerr.FromFS("list", r.root, err)
		}
		for _, e := range ents {
			if e.IsDir() && !isMailboxName(e.Name()) && e.Name() != "MailData" && !strings.HasPrefix(e.Name(), ".") {
				r.mailboxes(filepath.Join(r.root, e.Name()), norm.NFC.String(e.Name()), &out, 0)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// mailboxes adds the mailbox folders in dir, and theirs, named under
// prefix.
func (r *appleReader) mailboxes(dir, prefix string, out *[]Folder, depth int) {
	if depth > 64 {
		return
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !(e.IsDir() || isLink(e)) || !isMailboxName(e.Name()) {
			continue
		}
		name := appleMailboxName(e.Name())
		if prefix != "" {
			name = prefix + "/" + name
		}
		p := filepath.Join(dir, e.Name())
		role := ""
		if depth == 0 {
			role = roleOf(appleMailboxName(e.Name()))
		}
		*out = append(*out, Folder{Name: name, Role: role, Origin: relPath(r.root, p)})
		if !isLink(e) {
			r.mailboxes(p, name, out, depth+1)
		}
	}
}

func appleMailboxName(dirName string) string {
	n := dirName
	if hasSuffixFold(n, ".imapmbox") {
		n = n[:len(n)-len(".imapmbox")]
	} else if hasSuffixFold(n, ".mbox") {
		n = n[:len(n)-len(".mbox")]
	}
	return norm.NFC.String(n) // HFS+ stores names decomposed
}

var emlxName = regexp.MustCompile(`^([0-9]{1,30})(\.partial)?\.emlx$`)

// emlxEntry is one message file found in a mailbox.
type emlxEntry struct {
	number  string
	partial bool
	path    string
	symlink bool
}

// listEmlx finds the message files of the mailbox folder dir: in any
// Messages folder below it that is not in a sub-mailbox.
func listEmlx(ctx context.Context, dir string) ([]emlxEntry, fingerprint, error) {
	var out []emlxEntry
	var fp fingerprint
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && (isMailboxName(d.Name()) || d.Name() == "Attachments") {
				return filepath.SkipDir
			}
			return nil
		}
		m := emlxName.FindStringSubmatch(d.Name())
		if m == nil && isLink(d) && !isMailboxName(d.Name()) {
			// A linked Messages or Data folder, or any other link: its
			// mail would be elsewhere. Said, not skipped.
			out = append(out, emlxEntry{path: p, symlink: true})
			return nil
		}
		if m == nil || filepath.Base(filepath.Dir(p)) != "Messages" {
			return nil
		}
		e := emlxEntry{number: strings.TrimLeft(m[1], "0"), partial: m[2] != "", path: p, symlink: d.Type()&fs.ModeSymlink != 0}
		if e.number == "" {
			e.number = "0"
		}
		out = append(out, e)
		if fi, err := d.Info(); err == nil {
			fp.add(p, fi)
		}
		return nil
	})
	if err != nil {
		return nil, fp, mailerr.FromFS("list", dir, err)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if len(a.number) != len(b.number) {
			return len(a.number) < len(b.number)
		}
		if a.number != b.number {
			return a.number < b.number
		}
		return !a.partial && b.partial
	})
	// A message downloaded whole after a partial one: keep the whole one.
	kept := out[:0]
	for i, e := range out {
		if i > 0 && out[i-1].number == e.number {
			continue
		}
		kept = append(kept, e)
	}
	return kept, fp, nil
}

// fingerprint sums up a listing, to notice a folder that changed while
// it was read.
type fingerprint struct {
	n     int
	bytes int64
	mix   uint64
}

func (f *fingerprint) add(path string, fi fs.FileInfo) {
	f.n++
	f.bytes += fi.Size()
	h := uint64(14695981039346656037)
	for i := 0; i < len(path); i++ {
		h = (h ^ uint64(path[i])) * 1099511628211
	}
	f.mix += h ^ uint64(fi.ModTime().UnixNano()) ^ uint64(fi.Size())<<1
}

func (r *appleReader) Messages(ctx context.Context, f Folder, fn func(*Message) error) error {
	dir := filepath.Join(r.root, filepath.FromSlash(f.Origin))
	if err := folderNotLink(dir, f.Origin); err != nil {
		return err
	}
	if isFile(filepath.Join(dir, "mbox")) && !appleHasMessages(dir) {
		return r.bundleMessages(ctx, dir, fn)
	}
	list, before, err := listEmlx(ctx, dir)
	if err != nil {
		return err
	}
	for _, e := range list {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(r.emlxMessage(e)); err != nil {
			return err
		}
	}
	_, after, err := listEmlx(ctx, dir)
	if err != nil {
		return err
	}
	if after != before {
		return ErrChanged
	}
	return nil
}

// emlxMessage describes one message file. A file that cannot be read
// still gives a Message, whose Open returns why.
func (r *appleReader) emlxMessage(e emlxEntry) *Message {
	rel := relPath(r.root, e.path)
	m := &Message{Key: e.number, Origin: rel}
	fail := func(err error) *Message {
		m.Open = func() (io.ReadCloser, error) { return nil, err }
		return m
	}
	if e.symlink {
		return fail(mailerr.New(mailerr.BadInput, "read", rel, errSymlink))
	}
	lay, info, fi, err := emlxFile(e.path, rel)
	if err != nil {
		return fail(err)
	}
	m.Flags, m.Date, m.Warning = info.flags, info.received, info.warning
	if !e.partial {
		m.Open = func() (io.ReadCloser, error) { return openEmlx(e.path, rel, fi) }
		return m
	}
	if lay.msgLen > partialMax {
		return fail(mailerr.New(mailerr.BadInput, "read", rel,
			fmt.Errorf("is a partial message of %d bytes without its attachments, more than the %d Mailark reads", lay.msgLen, partialMax)))
	}
	rc, err := openEmlx(e.path, rel, fi)
	if err != nil {
		return fail(err)
	}
	msg, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return fail(mailerr.FromFS("read", rel, err))
	}
	attDir := filepath.Join(filepath.Dir(filepath.Dir(e.path)), "Attachments", e.number)
	plan := planPartial(msg, attDir)
	if len(plan.missing) > 0 {
		m.Partial = "Apple Mail had not kept " + strings.Join(plan.missing, ", ") + " of this message (not in " + relPath(r.root, attDir) + ")"
	}
	m.Open = func() (io.ReadCloser, error) {
		if cur, err := os.Lstat(e.path); err != nil || cur.Size() != fi.Size() || !cur.ModTime().Equal(fi.ModTime()) {
			return nil, mailerr.New(mailerr.BadInput, "read", rel, ErrChanged)
		}
		return plan.open(rel), nil
	}
	return m
}

// bundleMessages reads an exported mailbox: an mbox file. Each message's
// Open must be called before fn returns, as the file is read in one pass.
func (r *appleReader) bundleMessages(ctx context.Context, dir string, fn func(*Message) error) error {
	path := filepath.Join(dir, "mbox")
	rel := relPath(r.root, path)
	f, before, err := openStoreFile(path, rel)
	if err != nil {
		return err
	}
	defer f.Close()
	mr := mbox.NewReader(f)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		e, err := mr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return mailerr.New(mailerr.BadInput, "read", rel, err)
		}
		body := e.Body
		m := &Message{
			Origin: fmt.Sprintf("%s@%d", rel, e.Offset),
			Date:   e.Time,
			Sender: e.Sender,
			Open:   func() (io.ReadCloser, error) { return io.NopCloser(body), nil },
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	if after, err := os.Stat(path); err != nil || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
		return ErrChanged
	}
	return nil
}

// Fingerprint sums up every file of the mailbox folder (message files,
// and the attachments a partial message's parts are put back from; not
// its sub-mailboxes) by path, size and modification time; an exported
// bundle by its mbox file. A flag changed in Mail rewrites the message's
// .emlx, so it changes the fingerprint too. "" when anything cannot be
// read: the folder is then read whole.
func (r *appleReader) Fingerprint(f Folder) string {
	dir := filepath.Join(r.root, filepath.FromSlash(f.Origin))
	if folderNotLink(dir, f.Origin) != nil {
		return ""
	}
	if isFile(filepath.Join(dir, "mbox")) && !appleHasMessages(dir) {
		return fileFingerprint(filepath.Join(dir, "mbox"))
	}
	var fp fingerprint
	broken := false
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			broken = true
			return filepath.SkipAll
		}
		if d.IsDir() {
			if p != dir && isMailboxName(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			broken = true
			return filepath.SkipAll
		}
		fp.add(p, fi)
		return nil
	})
	if err != nil || broken {
		return ""
	}
	return fmt.Sprintf("a:%d:%d:%x", fp.n, fp.bytes, fp.mix)
}
