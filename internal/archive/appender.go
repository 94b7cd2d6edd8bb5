package archive

import (
	"bufio"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/mailark/mailark/internal/mbox"
)

// Appender writes messages to a folder's mbox file ahead of the Batch that
// records them, so that the mbox file and the database are written side by
// side on two goroutines. An appended message becomes part of the archive
// only when a Batch holding its Entry commits (the batch's commit makes the
// file durable first, as when the batch writes the file itself); Close cuts
// the file back to what was committed, and so does Open after a crash.
//
// One goroutine calls Append, in the order the entries are then given to
// Batch.Add; Close comes after the last batch of the folder committed or
// aborted.
type Appender struct {
	a    *Archive
	f    *Folder
	path string
	file *os.File
	w    *bufio.Writer
	off  int64
	err  error

	// The file is synced on a goroutine of its own every syncEvery bytes,
	// so that a batch's commit finds little left to sync.
	unsynced int64 // bytes appended since the last kick
	kick     chan struct{}
	stopped  chan struct{}
	written  atomic.Int64 // end of what is in the file (not in w)
	mu       sync.Mutex
	synced   int64 // the file is durable up to here
	syncErr  error // sticky: a failed sync fails every later one
}

// syncEvery is how many bytes the Appender writes between background syncs.
const syncEvery = 8 << 20

// mboxSpan is where an Appender put an entry in the mbox file.
type mboxSpan struct {
	off, n int64
	ap     *Appender
}

// NewAppender opens f's mbox file for appending after what is committed;
// anything past it, left by an earlier Appender of this run, is dropped.
func (a *Archive) NewAppender(f *Folder) (*Appender, error) {
	file, err := a.openMbox(f, true)
	if err != nil {
		return nil, err
	}
	p := &Appender{a: a, f: f, path: file.Name(), file: file, w: bufio.NewWriterSize(file, 1<<20), off: f.MboxSize,
		synced: f.MboxSize, kick: make(chan struct{}, 1), stopped: make(chan struct{})}
	p.written.Store(f.MboxSize)
	go func() {
		defer close(p.stopped)
		for range p.kick {
			_ = p.sync()
		}
	}()
	return p, nil
}

// sync makes what is in the file durable. An error stays: a later sync
// that succeeds does not prove the pages the failed one lost reached the
// disk.
func (p *Appender) sync() error {
	upTo := p.written.Load()
	p.mu.Lock()
	if p.syncErr != nil || p.synced >= upTo {
		defer p.mu.Unlock()
		return p.syncErr
	}
	p.mu.Unlock()
	err := syncMbox(p.file, upTo)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil && p.syncErr == nil {
		p.syncErr = fsError("write mbox file", p.path, err)
	}
	if p.syncErr == nil && upTo > p.synced {
		p.synced = upTo
	}
	return p.syncErr
}

// syncTo makes the file durable at least up to off, which Append passed.
func (p *Appender) syncTo(off int64) error {
	p.mu.Lock()
	if p.syncErr != nil || p.synced >= off {
		defer p.mu.Unlock()
		return p.syncErr
	}
	p.mu.Unlock()
	return p.sync()
}

// Append writes e to the mbox file and notes in e where it went. After an
// error every later call returns the same error.
func (p *Appender) Append(e *Entry) error {
	if p.err != nil {
		return p.err
	}
	n, err := mbox.WriteMessage(p.w, mbox.Separator{Sender: e.Sender, Time: e.InternalDate}, e.Body, e.Size)
	if err == nil {
		// In the file, not in this buffer, before the batch that commits
		// it syncs the file.
		err = p.w.Flush()
	}
	if err != nil {
		p.err = fsError("write mbox file", p.path, err)
		return p.err
	}
	e.mbox = mboxSpan{off: p.off, n: n, ap: p}
	p.off += n
	p.written.Store(p.off)
	if p.unsynced += n; p.unsynced >= syncEvery {
		p.unsynced = 0
		select {
		case p.kick <- struct{}{}:
		default: // one is pending
		}
	}
	return nil
}

// Close cuts the file back to the folder's committed length and closes it.
func (p *Appender) Close() error {
	if p.file == nil {
		return nil
	}
	close(p.kick)
	<-p.stopped
	err := p.file.Truncate(p.f.MboxSize)
	if cerr := p.a.closeMboxWrite(p.file); err == nil {
		err = cerr
	}
	p.file = nil
	return fsError("close mbox file", p.path, err)
}

// openMbox opens f's mbox file for writing at its committed length, making
// it writable meanwhile (closeMboxWrite closes it). With cut, whatever lies
// past the committed length goes: an Appender owns the file's end; a Batch
// leaves it, as an Appender of the same run may have written there. A file
// found changed outside Mailark is not opened (ErrMboxChanged).
func (a *Archive) openMbox(f *Folder, cut bool) (*os.File, error) {
	if err := a.MboxChanged(f); err != nil {
		return nil, err
	}
	file, path, err := a.openMboxWrite(f.MboxPath)
	if err != nil {
		return nil, err
	}
	if cut {
		err = file.Truncate(f.MboxSize)
	}
	if err == nil {
		_, err = file.Seek(f.MboxSize, io.SeekStart)
	}
	if err != nil {
		a.closeMboxWrite(file)
		return nil, fsError("open mbox file", path, err)
	}
	return file, nil
}
