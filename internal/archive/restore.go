package archive

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mailark/mailark/internal/mailerr"
)

// Restore writes every message, from SQLite alone, as OUT/<folder>/<uid>.eml
// (folder paths as the mbox files', without .mbox), and OUT/index.tsv with
// each message's folder, UID, flags, internal date and SHA-256. Each file's
// hash is checked against the stored one as it is written. It returns the
// number of messages written.
func Restore(ctx context.Context, a *Archive, out string) (int64, error) {
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
		return 0, mailerr.New(mailerr.BadInput, "restore", out,
			fmt.Errorf("the output folder %s is not empty; restore into an empty or new folder", out))
	}
	if err := os.MkdirAll(out, 0o700); err != nil {
		return 0, fsError("restore", out, err)
	}
	idx, err := os.OpenFile(filepath.Join(out, "index.tsv"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, fsError("restore", out, err)
	}
	defer idx.Close()
	idxPath := idx.Name()
	// A bufio.Writer keeps the first write error: each line's is checked,
	// and Flush reports one that a later line would hide.
	w := bufio.NewWriter(idx)
	if _, err := fmt.Fprintln(w, "folder\tuidvalidity\tuid\tflags\tinternal_date\tsha256\tfile"); err != nil {
		return 0, fsError("restore", idxPath, err)
	}
	folders, err := a.Folders(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, f := range folders {
		// Folders checked the path stays in mbox/ (checkRel); checked
		// again here, as what is written must stay under out.
		rel := strings.TrimSuffix(strings.TrimPrefix(f.MboxPath, MboxDir+"/"), ".mbox")
		if err := checkRel(f.MboxPath); err != nil || !filepath.IsLocal(filepath.FromSlash(rel)) {
			return n, mailerr.New(mailerr.ArchiveBroken, "restore", a.dir,
				fmt.Errorf("folder %q: its mbox path %q would write outside %s: the database was altered", f.Name, f.MboxPath, out))
		}
		dir := filepath.Join(out, filepath.FromSlash(rel))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return n, fsError("restore", dir, err)
		}
		err := a.EachMessage(ctx, f.ID, func(m *MessageInfo) error {
			name := filepath.Join(dir, fmt.Sprintf("%d.eml", m.UID))
			if err := writeMessage(ctx, a, m, name); err != nil {
				return err
			}
			relName, _ := filepath.Rel(out, name)
			if _, err := fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\t%s\t%s\n", tsv(f.Name), f.UIDValidity, m.UID,
				strings.Join(m.Flags, " "), m.InternalDate, m.SHA256, filepath.ToSlash(relName)); err != nil {
				return fsError("restore", idxPath, err)
			}
			n++
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	if err := w.Flush(); err != nil {
		return n, fsError("restore", idxPath, err)
	}
	if err := idx.Sync(); err != nil {
		return n, fsError("restore", idxPath, err)
	}
	return n, fsError("restore", idxPath, idx.Close())
}

func writeMessage(ctx context.Context, a *Archive, m *MessageInfo, name string) error {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return fsError("restore", name, err)
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(f, h), a.OpenMessage(ctx, m.ID))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fsError("restore", name, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != m.SHA256 {
		return fsError("restore", name, fmt.Errorf("stored bytes of %s uid %d hash to %s, but %s was recorded: the database was altered",
			m.FolderName, m.UID, got, m.SHA256))
	}
	return nil
}

func tsv(s string) string { return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s) }
