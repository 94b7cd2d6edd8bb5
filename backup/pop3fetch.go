package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/pop3"
)

// popItem is one message on its way from the POP3 session to the archive.
type popItem struct {
	w    wanted
	data []byte    // the message, or its first SpoolBytes when rest is set
	rest io.Reader // the rest, still on the wire: the session waits on done
	done chan struct{}
	fail string // the server would not deliver it, or announced it too large
	err  error  // the session failed; it is the last item
}

// popQueue is how many messages may wait, read, for the archive: at most
// popQueue × SpoolBytes of memory.
const popQueue = 4

// fetchAll fetches the messages of todo and archives them, the next RETR
// running while the last message is written (as the IMAP backup's fetch
// and write run side by side). A message larger than SpoolBytes is
// streamed from the wire to the archive while the session waits. Only this
// goroutine touches the archive and the run's counters.
func (r *popRunner) fetchAll(ctx context.Context, c *pop3.Client, todo []wanted) error {
	items := make(chan popItem, popQueue)
	stop := make(chan struct{})
	go func() {
		defer close(items)
		for _, w := range todo {
			it := r.retrieve(c, w)
			select {
			case items <- it:
			case <-stop:
				return
			}
			if it.err != nil {
				return
			}
			if it.done != nil {
				select {
				case <-it.done:
				case <-stop:
					return
				}
			}
		}
	}()
	finish := func(err error) error {
		close(stop)
		c.Abort() // the reader may wait on the server
		for it := range items {
			if it.done != nil {
				close(it.done)
			}
		}
		return err
	}
	for it := range items {
		err := r.archive(ctx, c, it)
		if it.done != nil {
			close(it.done)
		}
		if err != nil {
			return finish(err)
		}
	}
	close(stop)
	return nil
}

// retrieve asks for one message and reads it, or its first SpoolBytes.
// It uses only the session, never the archive.
func (r *popRunner) retrieve(c *pop3.Client, w wanted) popItem {
	it := popItem{w: w}
	if w.sizeBytes > r.opts.MaxMessageBytes {
		it.fail = fmt.Sprintf("%s: the server announces %d bytes, more than the %d allowed; not downloaded",
			w.origin, w.sizeBytes, r.opts.MaxMessageBytes)
		return it
	}
	body, err := c.Retr(w.num)
	var se *pop3.Error
	if errors.As(err, &se) {
		it.fail = fmt.Sprintf("%s: the server would not deliver it (deleted since it was listed?): %s", w.origin, se.Text)
		return it
	}
	if err != nil {
		it.err = err
		return it
	}
	buf := bytes.NewBuffer(make([]byte, 0, min(max(w.sizeBytes, 0), r.opts.SpoolBytes)+512))
	if _, err := buf.ReadFrom(io.LimitReader(body, r.opts.SpoolBytes+1)); err != nil {
		it.err = err // cut mid-message: nothing recorded, the next session fetches it again
		return it
	}
	it.data = buf.Bytes()
	if int64(len(it.data)) > r.opts.SpoolBytes {
		it.rest, it.done = body, make(chan struct{})
	}
	return it
}

// archive writes one item, or records why it could not be fetched.
func (r *popRunner) archive(ctx context.Context, c *pop3.Client, it popItem) error {
	w := it.w
	failKey := w.key
	if failKey == "" {
		failKey = "origin:" + w.origin
	}
	switch {
	case it.err != nil:
		return it.err
	case it.fail != "":
		return r.fail(ctx, w, failKey, it.fail)
	}
	var body io.Reader = bytes.NewReader(it.data)
	if it.rest != nil {
		body = io.MultiReader(body, it.rest)
	}
	var size int64
	_, err := r.in.Add(ctx, IngestMessage{Key: w.key, Origin: w.origin, Body: byteCounter{r: body, n: &size}})
	var rerr *SourceReadError
	if errors.As(err, &rerr) {
		cerr := c.Classify(ctx, "retr", rerr.Err)
		tooLarge := errors.Is(rerr.Err, pop3.ErrTooLarge) || mailerr.KindOf(rerr.Err) == mailerr.MessageFailed
		if tooLarge {
			// Recorded by Add; not tried again in this run.
			r.failed[failKey] = true
			r.afterFail(w, rerr.Error())
		}
		if it.rest == nil && tooLarge {
			return nil // read whole: the session goes on
		}
		// The rest of the message is still on the wire (or the wire was
		// cut): reconnect and go on.
		return cerr
	}
	if err != nil {
		return err
	}
	r.progressed = true
	r.done++
	r.doneBytes += size
	r.totalBytes += size - w.sizeBytes
	r.throttle.Status(r.event(), false)
	return nil
}
