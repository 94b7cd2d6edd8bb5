package gate

import (
	"bytes"
	"context"
	"os"
	"path/filepath"

	"github.com/mailark/mailark/internal/mailerr"
)

// SaveHTML writes the printable report in lang to path, atomically (see
// WriteFileAtomic).
func (r *Report) SaveHTML(ctx context.Context, path string, lang Lang) error {
	var b bytes.Buffer
	if err := r.WriteHTML(&b, lang); err != nil {
		return err
	}
	return WriteFileAtomic(ctx, path, b.Bytes())
}

// SaveJSON writes the report as JSON to path, atomically.
func (r *Report) SaveJSON(ctx context.Context, path string) error {
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		return err
	}
	return WriteFileAtomic(ctx, path, b.Bytes())
}

// WriteFileAtomic writes data to path so that path holds either its old
// content or all of data, never a part: a temporary file in the same
// folder, synced, then renamed over path. The file is private (0600, as os.CreateTemp makes it): a
// report names the account and its folders. Errors say what really
// happened (mailerr.FromFS): a full disk, a refused permission, a
// read-only file system, a missing folder.
func WriteFileAtomic(ctx context.Context, path string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	const op = "write report"
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return mailerr.FromFS(op, path, err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return mailerr.FromFS(op, path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return mailerr.FromFS(op, path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return mailerr.FromFS(op, path, err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes the rename durable where the system allows it (opening a
// folder fails on Windows; the rename stands anyway).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
