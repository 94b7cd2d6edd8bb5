package archive

import (
	"errors"
	"os"
	"sync"
)

// An mbox file is mode 0400 between runs: a mail program opened on it (mutt
// -f, as people do) then cannot rewrite it on quit. Mailark alone makes it
// writable, only while it appends: the first writer of a file makes it
// 0600 and the last to close makes it 0400 again. (An Appender and a Batch
// of the same folder have it open together.)

// writers counts the open writers per mbox file.
type writers struct {
	mu sync.Mutex
	n  map[string]int
}

// openMboxWrite opens the mbox file rel for writing, creating it (and its
// folders) when missing, following no link. closeMboxWrite must close it.
func (a *Archive) openMboxWrite(rel string) (*os.File, string, error) {
	p, err := a.mboxFile(rel, true)
	if err != nil {
		return nil, "", err
	}
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	if a.w.n[p] == 0 {
		// Read access suffices to change the mode of one's own file; the
		// open, not a path, is what gets changed (no link followed).
		ro, err := openNoFollow(p, os.O_RDONLY, 0)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, "", fsError("open mbox file", p, err)
		default:
			err = ro.Chmod(fileMode)
			ro.Close()
			if err != nil {
				return nil, "", fsError("open mbox file", p, err)
			}
		}
	}
	f, err := openNoFollow(p, os.O_CREATE|os.O_WRONLY, fileMode)
	if err != nil {
		return nil, "", fsError("open mbox file", p, err)
	}
	if a.w.n == nil {
		a.w.n = map[string]int{}
	}
	a.w.n[p]++
	return f, p, nil
}

// closeMboxWrite closes a file openMboxWrite opened, making it read-only
// again when no other writer has it open.
func (a *Archive) closeMboxWrite(f *os.File) error {
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	p := f.Name()
	var err error
	if a.w.n[p]--; a.w.n[p] <= 0 {
		delete(a.w.n, p)
		err = f.Chmod(mboxRestMode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
