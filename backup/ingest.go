package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/mbox"
)

// Ingest writes messages from a source other than the account's IMAP server
// (a POP3 mailbox, a mail app's store) into the archive's folders for that
// source (archive.Source, archive.SourceFolder). It is the one writer every
// such source uses: a message is read once, hashed, parsed for the index by
// the same code as a server's, and committed in batches that are all or
// nothing, each message with its key, so that a second run adds nothing and
// a stopped one resumes after its last commit.
//
// Memory is bounded: a message up to SpoolBytes is held in memory, a larger
// one goes to the archive's spool folder while it is read; MaxMessageBytes
// refuses one larger still (recorded as a failure, never silently skipped).
type Ingest struct {
	a     *archive.Archive
	runID int64
	opts  IngestOptions

	f       *archive.Folder
	batch   *archive.Batch
	nextUID uint32
	seen    map[string]int  // content keys met in this pass of the folder
	pending map[string]bool // keys added to the open batch
	known   map[string]bool // with PreloadKeys: the folder's committed keys
	count   int
	bytes   int64

	// Totals of this Ingest, over every folder.
	Added, Skipped, Failed int64
	Bytes                  int64
}

// IngestOptions bounds an Ingest.
type IngestOptions struct {
	SpoolBytes      int64 // default 4 MiB
	MaxMessageBytes int64 // default 2 GiB
	BatchMessages   int   // default 500
	BatchBytes      int64 // default 64 MiB
	// PreloadKeys reads the folder's keys once, when Folder is called,
	// and answers Has (and Add's check for a message archived already)
	// from that set instead of one look-up in the archive per message:
	// for a source whose every message is asked about on every run (a
	// POP3 mailbox's UIDLs). Memory holds the keys only.
	PreloadKeys bool
}

// IngestMessage is one message a source offers.
type IngestMessage struct {
	// Key is the message's identity in its source: a POP3 UIDL, an app's
	// own message id. Empty: the key is the SHA-256 of the bytes
	// ("sha256:HEX", then "#2", "#3"… for identical copies met again in the
	// same pass of the folder), so the same store read again adds nothing.
	Key    string
	Origin string    // where in the source it was read, for the record
	Flags  []string  // IMAP flag names (\Seen, \Answered, \Flagged, \Deleted, \Draft, keywords)
	Date   time.Time // when it arrived; zero: now
	Sender string    // the envelope sender, if the source knows it
	Body   io.Reader // the exact bytes of the message
}

// NewIngest starts writing for run runID (see archive.BeginRun).
func NewIngest(a *archive.Archive, runID int64, opts IngestOptions) *Ingest {
	if opts.SpoolBytes <= 0 {
		opts.SpoolBytes = 4 << 20
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = 2 << 30
	}
	if opts.BatchMessages <= 0 {
		opts.BatchMessages = 500
	}
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = 64 << 20
	}
	return &Ingest{a: a, runID: runID, opts: opts, pending: map[string]bool{}}
}

// Folder makes f (a source folder) the one the next messages go to,
// committing what was added to the previous one.
func (in *Ingest) Folder(ctx context.Context, f *archive.Folder) error {
	if err := in.Commit(ctx); err != nil {
		return err
	}
	if f.SourceID == 0 {
		return fmt.Errorf("ingest: folder %q is a server folder", f.Name)
	}
	n, err := in.a.NextSourceUID(ctx, f.ID)
	if err != nil {
		return err
	}
	in.f, in.nextUID, in.seen, in.known = f, n, map[string]int{}, nil
	if in.opts.PreloadKeys {
		in.known = map[string]bool{}
		if err := in.a.EachSourceKey(ctx, f.ID, func(k *archive.SourceKey) error {
			in.known[k.Key] = true
			return nil
		}); err != nil {
			in.known = nil
			return err
		}
	}
	return nil
}

// Has reports whether a message with that key is archived in the current
// folder (committed, or added to the open batch).
func (in *Ingest) Has(ctx context.Context, key string) (bool, error) {
	if in.f == nil {
		return false, fmt.Errorf("ingest: no folder")
	}
	return in.has(ctx, key)
}

func (in *Ingest) has(ctx context.Context, key string) (bool, error) {
	if in.pending[key] {
		return true, nil
	}
	if in.known != nil {
		return in.known[key], nil
	}
	k, err := in.a.LookupSourceKey(ctx, in.f.ID, key)
	return k != nil, err
}

// Add reads m.Body to its end and archives it, unless a message with its
// key is already archived in the folder. It reports whether the message
// was added. A message the source could not deliver whole (m.Body fails)
// is recorded as a failure and the error returned wrapped in a
// *SourceReadError; any other error is the archive's and stops the import.
func (in *Ingest) Add(ctx context.Context, m IngestMessage) (bool, error) {
	if in.f == nil {
		return false, fmt.Errorf("ingest: no folder")
	}
	data, spool, size, sum, err := in.read(m.Body)
	if spool != nil {
		defer func() { spool.Close(); os.Remove(spool.Name()) }()
	}
	if err != nil {
		if errors.Is(err, mailstore.ErrChanged) {
			// The store changed under the reader: what this batch holds
			// may be half of a rewrite. Drop it (the next import adds it
			// again) and record nothing against the message.
			in.Abort()
			return false, err
		}
		var rerr *SourceReadError
		if errors.As(err, &rerr) {
			key := m.Key
			if key == "" {
				key = "origin:" + m.Origin
			}
			if ferr := in.Fail(ctx, key, rerr.Error()); ferr != nil {
				return false, ferr
			}
		}
		return false, err
	}
	key := m.Key
	if key == "" {
		key = "sha256:" + hex.EncodeToString(sum[:])
		in.seen[key]++
		if n := in.seen[key]; n > 1 {
			key += "#" + strconv.Itoa(n)
		}
	}
	if dup, err := in.has(ctx, key); err != nil {
		return false, err
	} else if dup {
		in.Skipped++
		return false, nil
	}
	date := m.Date
	if date.IsZero() {
		date = in.a.Now()
	}
	e := &archive.Entry{UID: in.nextUID, Flags: m.Flags, InternalDate: date, Size: size, SHA256: sum,
		Sender: m.Sender, SourceKey: key, SourceOrigin: m.Origin}
	if spool != nil {
		e.Body = spool
		describeSpooled(e, spool, size)
	} else {
		e.Body = mbox.Memory(data)
		describe(e, data)
	}
	if m.Sender != "" {
		e.Sender = m.Sender
	}
	if in.batch == nil {
		if in.batch, err = in.a.BeginBatch(ctx, in.f, in.runID); err != nil {
			in.batch = nil
			return false, err
		}
	}
	if err := in.batch.Add(ctx, e); err != nil {
		in.Abort()
		return false, err
	}
	in.pending[key] = true
	in.nextUID++
	in.count++
	in.bytes += size
	in.Added++
	in.Bytes += size
	if in.count >= in.opts.BatchMessages || in.bytes >= in.opts.BatchBytes {
		return true, in.Commit(ctx)
	}
	return true, nil
}

// Fail records that the message with that key could not be imported in
// this run (the next run tries it again).
func (in *Ingest) Fail(ctx context.Context, key, reason string) error {
	if in.f == nil {
		return fmt.Errorf("ingest: no folder")
	}
	if in.batch == nil {
		b, err := in.a.BeginBatch(ctx, in.f, in.runID)
		if err != nil {
			return err
		}
		in.batch = b
	}
	if err := in.batch.RecordSourceFailure(ctx, in.nextUID, key, reason); err != nil {
		in.Abort()
		return err
	}
	in.nextUID++
	in.Failed++
	return in.Commit(ctx)
}

// Commit makes what was added so far durable.
func (in *Ingest) Commit(ctx context.Context) error {
	if in.batch == nil {
		return nil
	}
	b, added := in.batch, in.pending
	in.batch, in.count, in.bytes, in.pending = nil, 0, 0, map[string]bool{}
	if err := b.Commit(ctx); err != nil {
		return err
	}
	if in.known != nil {
		for k := range added {
			in.known[k] = true
		}
	}
	return nil
}

// Abort drops what was added since the last commit (the next run adds it).
func (in *Ingest) Abort() {
	if in.batch != nil {
		in.batch.Abort()
		in.batch, in.count, in.bytes, in.pending = nil, 0, 0, map[string]bool{}
	}
}

// SourceReadError is a message its source could not deliver whole: the
// read failed, or it is larger than allowed. The message is recorded as a
// failure; the import goes on with the next.
type SourceReadError struct{ Err error }

func (e *SourceReadError) Error() string { return e.Err.Error() }
func (e *SourceReadError) Unwrap() error { return e.Err }

// read takes r to its end: into memory up to SpoolBytes, beyond that into
// a spool file, refusing more than MaxMessageBytes.
func (in *Ingest) read(r io.Reader) (data []byte, spool *os.File, size int64, sum [32]byte, err error) {
	h := sha256.New()
	buf := make([]byte, 0, 64<<10)
	for int64(len(buf)) <= in.opts.SpoolBytes {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, rerr := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if rerr == io.EOF {
			h.Write(buf)
			copy(sum[:], h.Sum(nil))
			return buf, nil, int64(len(buf)), sum, nil
		}
		if rerr != nil {
			return nil, nil, 0, sum, &SourceReadError{rerr}
		}
	}
	dir := in.a.Path(archive.TmpDir)
	spool, err = os.CreateTemp(dir, "import-*.eml")
	if err != nil {
		return nil, nil, 0, sum, classifyFS("spool message", filepath.Join(dir, "import-*.eml"), err)
	}
	h.Write(buf)
	if _, err := spool.Write(buf); err != nil {
		return nil, spool, 0, sum, classifyFS("spool message", spool.Name(), err)
	}
	size = int64(len(buf))
	limit := in.opts.MaxMessageBytes - size
	n, err := io.Copy(io.MultiWriter(spool, h), io.LimitReader(r, limit+1))
	size += n
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) && pe.Path == spool.Name() {
			return nil, spool, 0, sum, classifyFS("spool message", spool.Name(), err)
		}
		return nil, spool, 0, sum, &SourceReadError{err}
	}
	if size > in.opts.MaxMessageBytes {
		return nil, spool, 0, sum, &SourceReadError{mailerr.New(mailerr.MessageFailed, "read message", "",
			fmt.Errorf("larger than the %d bytes allowed", in.opts.MaxMessageBytes))}
	}
	copy(sum[:], h.Sum(nil))
	return nil, spool, size, sum, nil
}
