package addressbook

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
)

// Format is an export format. The string is what the exports table and the
// CLI's --format use.
type Format string

const (
	FormatVCard4     Format = "vcard4"      // vCard 4.0 (RFC 6350), one .vcf
	FormatVCard3     Format = "vcard3"      // vCard 3.0 (RFC 2426), for older phones and Apple Contacts
	FormatGoogleCSV  Format = "google-csv"  // Google Contacts import CSV
	FormatOutlookCSV Format = "outlook-csv" // Outlook import CSV
)

// Formats returns the export formats, the default (vcard4) first.
func Formats() []Format {
	return []Format{FormatVCard4, FormatVCard3, FormatGoogleCSV, FormatOutlookCSV}
}

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats() {
		if string(f) == strings.ToLower(strings.TrimSpace(s)) {
			return f, nil
		}
	}
	return "", mailerr.New(mailerr.BadInput, "contacts format", s,
		errors.New("unknown format (want one of vcard4, vcard3, google-csv, outlook-csv)"))
}

// Extension returns the usual file name extension, with the dot.
func (f Format) Extension() string {
	if f == FormatGoogleCSV || f == FormatOutlookCSV {
		return ".csv"
	}
	return ".vcf"
}

// Encoding is the character encoding of a CSV export. vCard is always UTF-8.
type Encoding string

const (
	UTF8BOM  Encoding = ""          // UTF-8 with a byte order mark, which Excel and Outlook need to see UTF-8 (default)
	UTF8     Encoding = "utf-8"     // UTF-8 without a byte order mark
	ShiftJIS Encoding = "shift_jis" // Windows-31J (CP932), for older Japanese Outlook and Excel
)

// ExportOptions for Export and ExportFile. The zero value works.
type ExportOptions struct {
	IncludeAutomated bool     // export automated senders too (category "Automated")
	Encoding         Encoding // CSV only
	// ReplaceUnencodable replaces characters that Shift_JIS cannot hold:
	// a Latin letter with an accent by the letter (ë → e), anything else by
	// "?", after mapping the usual look-alikes (U+301C WAVE DASH to U+FF5E and
	// so on), and lists the contacts concerned in ExportRecord.Replaced.
	// Without it such a character is an *UnencodableError.
	ReplaceUnencodable bool
	// Note returns the NOTE / Notes text of a contact; default DefaultNote.
	Note func(*Contact) string
	// Now stamps ExportRecord.At; default time.Now.
	Now func() time.Time
}

func (o *ExportOptions) applyDefaults() {
	if o.Note == nil {
		o.Note = DefaultNote
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// DefaultNote is the note written with each contact: what Mailark knew.
// For example: "From your old mailbox (Mailark): you wrote 12, received 30,
// copied 2. Last contact 2024-03-05, first 2019-01-02."
func DefaultNote(c *Contact) string {
	var parts []string
	if c.SentTo > 0 {
		parts = append(parts, fmt.Sprintf("you wrote %d", c.SentTo))
	}
	if c.ReceivedFrom > 0 {
		parts = append(parts, fmt.Sprintf("received %d", c.ReceivedFrom))
	}
	if c.Seen > 0 {
		parts = append(parts, fmt.Sprintf("copied %d", c.Seen))
	}
	var b strings.Builder
	b.WriteString("From your old mailbox (Mailark)")
	if len(parts) > 0 {
		b.WriteString(": " + strings.Join(parts, ", "))
	}
	b.WriteString(".")
	if !c.Last.IsZero() {
		fmt.Fprintf(&b, " Last contact %s, first %s.", c.Last.Format(time.DateOnly), c.First.Format(time.DateOnly))
	}
	if len(c.SavedIn) > 0 {
		fmt.Fprintf(&b, " In your address book (%s).", strings.Join(c.SavedIn, ", "))
	}
	if c.Automated {
		fmt.Fprintf(&b, " Automated: %s.", c.AutomatedReason)
	}
	return b.String()
}

// ExportRecord describes a written export; ExportToArchive stores it.
type ExportRecord struct {
	At       time.Time
	Format   Format
	Path     string // absolute
	Contacts int
	SHA256   string // hex, of the file's bytes
	// Replaced lists the primary addresses of contacts whose text had
	// characters replaced (Shift_JIS with ReplaceUnencodable). Not stored.
	Replaced []string
	// Skipped lists the primary addresses of contacts left out because
	// their address cannot be written in the encoding (Shift_JIS) without
	// changing it. Not stored.
	Skipped []string
	// Recorded: ExportToArchive recorded the export for the removal gate.
	// An export that left contacts out (Skipped) is written but not
	// recorded: it is not the whole address book.
	Recorded bool
}

// UnencodableError reports a character the chosen encoding cannot hold.
type UnencodableError struct {
	Contact  string // primary address
	Char     rune
	Encoding Encoding
}

func (e *UnencodableError) Error() string {
	return fmt.Sprintf("contact %s: character %q (%U) has no %s form", e.Contact, e.Char, e.Char, e.Encoding)
}

// ErrUnencodable is in the chain of every *UnencodableError.
var ErrUnencodable = errors.New("a character has no form in the chosen encoding")

// Is makes errors.Is(err, ErrUnencodable) true.
func (e *UnencodableError) Is(target error) bool { return target == ErrUnencodable }

// Export writes the book's contacts (Book.Select) in format f to w.
func Export(w io.Writer, f Format, book *Book, opts ExportOptions) (ExportRecord, error) {
	opts.applyDefaults()
	rec := ExportRecord{Format: f}
	contacts := book.Select(opts.IncludeAutomated)
	var err error
	switch f {
	case FormatVCard4, FormatVCard3:
		if opts.Encoding != UTF8BOM && opts.Encoding != UTF8 {
			return rec, mailerr.New(mailerr.BadInput, "export", string(f),
				fmt.Errorf("vCard is always UTF-8; encoding %q is for CSV", opts.Encoding))
		}
		err = writeVCards(w, contacts, f, opts)
	case FormatGoogleCSV, FormatOutlookCSV:
		rec.Replaced, rec.Skipped, err = writeCSV(w, contacts, f, opts)
	default:
		_, err = ParseFormat(string(f))
	}
	if err != nil {
		return rec, err
	}
	rec.Contacts = len(contacts) - len(rec.Skipped)
	return rec, nil
}

// ExportFile writes the export to path atomically: into a temporary file in
// the same folder (mode 0600), synced, then renamed over path. It does not
// record the export: ExportToArchive does both.
func ExportFile(ctx context.Context, path string, f Format, book *Book, opts ExportOptions) (ExportRecord, error) {
	w, err := writeTemp(ctx, path, f, book, opts)
	if err != nil {
		return ExportRecord{}, err
	}
	if err := w.publish(); err != nil {
		return ExportRecord{}, err
	}
	return w.rec, nil
}

// ExportToArchive writes the export to path as ExportFile does and records
// it in the archive, where the removal gate looks for it, in one call: the
// file is renamed into place inside the transaction that records it, so an
// export that could not be written is never recorded, and one that could not
// be recorded does not replace path. (Should the commit itself fail after
// the rename, the file is written, the error says the export was not
// recorded, and the gate asks for it again.)
func ExportToArchive(ctx context.Context, a *archive.Archive, path string, f Format, book *Book, opts ExportOptions) (ExportRecord, error) {
	w, err := writeTemp(ctx, path, f, book, opts)
	if err != nil {
		return ExportRecord{}, err
	}
	if len(w.rec.Skipped) > 0 {
		// Not the whole address book: written, but not counted by the gate.
		if err := w.publish(); err != nil {
			return ExportRecord{}, err
		}
		return w.rec, nil
	}
	rec := archive.ExportRecord{At: w.rec.At, Format: string(w.rec.Format), Path: w.rec.Path,
		Contacts: w.rec.Contacts, SHA256: w.rec.SHA256}
	if err := a.RecordExport(ctx, rec, w.publish); err != nil {
		w.discard()
		return ExportRecord{}, err
	}
	w.rec.Recorded = true
	return w.rec, nil
}

// tempExport is an export written and synced to a temporary file beside
// its destination, not yet in place.
type tempExport struct {
	tmp  string
	path string // as given, for errors
	rec  ExportRecord
}

func writeTemp(ctx context.Context, path string, f Format, book *Book, opts ExportOptions) (*tempExport, error) {
	opts.applyDefaults()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".*.tmp")
	if err != nil {
		return nil, fileError(path, err)
	}
	w := &tempExport{tmp: tmp.Name(), path: path}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		w.discard()
		return nil, fileError(path, err)
	}
	sum := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(tmp, sum), 64<<10)
	rec, err := Export(bw, f, book, opts)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		w.discard()
		return nil, fileError(path, err)
	}
	rec.At = opts.Now()
	rec.Path = abs
	rec.SHA256 = hex.EncodeToString(sum.Sum(nil))
	w.rec = rec
	return w, nil
}

// publish renames the temporary file over the destination.
func (w *tempExport) publish() error {
	if err := os.Rename(w.tmp, w.rec.Path); err != nil {
		w.discard()
		return fileError(w.path, err)
	}
	syncDir(filepath.Dir(w.rec.Path))
	return nil
}

// discard removes the temporary file, if it is still there.
func (w *tempExport) discard() { os.Remove(w.tmp) }

// fileError classifies an export error for the user: a full disk, a
// refused permission, a missing folder or a character the encoding lacks
// (BadInput); cancellation passes through as it is.
func fileError(path string, err error) error {
	var ue *UnencodableError
	kind := mailerr.Unknown
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || mailerr.As(err) != nil:
		return err
	case errors.Is(err, syscall.ENOSPC):
		kind = mailerr.DiskFull
	case errors.Is(err, fs.ErrPermission):
		kind = mailerr.Permission
	case errors.Is(err, fs.ErrNotExist), errors.As(err, &ue):
		kind = mailerr.BadInput
	}
	return mailerr.New(kind, "export contacts", path, err)
}

// syncDir makes a rename durable where the system allows it (not on
// Windows, where opening a folder fails: the rename stands anyway).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
