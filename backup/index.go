package backup

import (
	"context"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailtext"
)

// Messages become safe before they become searchable. The writer commits
// each message with only its header's columns and a mark that it is not in
// the full-text index yet (archive.Entry.IndexLater); the indexer, a stage
// of its own after the writer, reads durable messages back from the
// archive, decodes their text (the same mailtext calls as describe) and
// adds them to the index in transactions of their own. In a backup it
// starts once the writer is done (afterWriter), with what an earlier run
// left unindexed (it was stopped, or killed, after its messages were
// durable) and then what this run saved: Run returns once every message is
// searchable, or says how many are not (Summary). It can also run beside
// the writer, between its batches (the transactions take turns, see
// archive.AddToIndex); on the bench's 2 shared cores that delayed the
// messages becoming durable, so the backup does not.
//
// Memory is bounded: one message's first mailtext.MaxScanBytes at a time
// (archive.IndexReader reads them back from the mbox file the writer just
// wrote, in one read, and from SQLite when it cannot), and the texts of two
// pages, each of at most indexPageMessages messages or indexPageBytes (as
// large as the writer's batches: the full-text index costs less added in
// large transactions than in many small ones): the one being added to the
// index and the next, read meanwhile (pass).

const (
	indexPageMessages = 500
	indexPageBytes    = 8 << 20
)

// indexHold, set by a test, runs before each page is added to the index;
// indexRead after each page is read back, before it is handed over.
var indexHold, indexRead func()

// indexer builds the full-text index of durable messages.
type indexer struct {
	a        *archive.Archive
	kick     chan struct{} // a batch committed
	finished chan struct{} // closed when the writer is done: index the rest and end
	// report is told how far it got: done messages of done+left.
	report func(done, left int64)
	// afterWriter: index only once the writer is done, so that on a
	// machine with no core to spare the index never delays a message
	// becoming durable.
	afterWriter bool

	done int64 // messages this indexer added
	last int64 // the id up to which the list was indexed in this pass
}

func newIndexer(a *archive.Archive, report func(done, left int64)) *indexer {
	return &indexer{a: a, kick: make(chan struct{}, 1), finished: make(chan struct{}), report: report}
}

// committed wakes the indexer: there is more to index.
func (x *indexer) committed() {
	select {
	case x.kick <- struct{}{}:
	default:
	}
}

// run indexes until finished is closed and nothing is left, ctx ends or
// the archive fails. With afterWriter it starts only once finished is
// closed.
func (x *indexer) run(ctx context.Context) error {
	if x.afterWriter {
		select {
		case <-x.finished:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for {
		if err := x.pass(ctx); err != nil {
			return err
		}
		select {
		case <-x.kick:
		case <-x.finished:
			// One more pass from the start catches every commit the
			// last pass did not see.
			x.last = 0
			return x.pass(ctx)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// pass indexes every message listed as unindexed past x.last. A page of
// messages is read back and decoded (readPages) on a goroutine of its own
// while the page before is added to the index: once the writer is done,
// the two take a core each. At most two pages are held: the one being
// added and the next.
func (x *indexer) pass(ctx context.Context) error {
	left, err := x.a.UnindexedCount(ctx) // counted once a pass: a count reads the whole list
	if err != nil || left == 0 {
		return err
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan []archive.Indexed)
	var readErr error
	go func() {
		defer close(pages)
		readErr = x.readPages(rctx, pages)
	}()
	for page := range pages {
		if indexHold != nil {
			indexHold()
		}
		n, err := x.a.AddToIndex(ctx, page)
		if err != nil {
			cancel()
			for range pages {
			}
			return err
		}
		x.last = page[len(page)-1].ID
		x.done += int64(n)
		left = max(left-int64(len(page)), 0)
		x.report(x.done, left)
	}
	return readErr
}

// readPages sends the messages listed as unindexed past x.last, in pages of
// at most indexPageMessages messages or indexPageBytes of text, read back
// and decoded, their text in the index's form.
func (x *indexer) readPages(ctx context.Context, out chan<- []archive.Indexed) error {
	last := x.last
	for {
		list, err := x.a.NextUnindexed(ctx, last, indexPageMessages)
		if err != nil || len(list) == 0 {
			return err
		}
		page := make([]archive.Indexed, 0, len(list))
		var textBytes int
		r := x.a.NewIndexReader()
		for _, u := range list {
			body, err := r.Read(ctx, u, mailtext.MaxScanBytes)
			if err != nil {
				r.Close()
				return err
			}
			text := mailtext.BodyText(body) // as describe makes it from the bytes the fetch received
			m := archive.Indexed{ID: u.ID, Text: archive.IndexText{Subject: u.Subject, Addresses: u.Addresses(), Body: text}}
			m.Prepare()
			page = append(page, m)
			last = u.ID
			if textBytes += len(text); textBytes >= indexPageBytes {
				break
			}
		}
		r.Close()
		if indexRead != nil {
			indexRead()
		}
		select {
		case out <- page:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// IndexForSearch makes the messages of the archive in dir that are not in
// the full-text index yet (a backup was stopped after they were durable)
// searchable, before a search: it opens the archive for writing only when
// some are waiting. It returns how many still are not searchable, with the
// reason when some are: an archive another Mailark is writing
// (mailerr.ArchiveLocked: that backup indexes them before it ends), one
// that cannot be written, or ctx ended.
func IndexForSearch(ctx context.Context, dir string) (left int64, err error) {
	ro, err := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
	if err != nil {
		return 0, err
	}
	left, err = ro.UnindexedCount(ctx)
	ro.Close()
	if err != nil || left == 0 {
		return left, err
	}
	a, err := archive.Open(ctx, dir, archive.Options{Existing: true})
	if err != nil {
		return left, err
	}
	defer a.Close()
	x := newIndexer(a, func(done, n int64) {})
	close(x.finished)
	err = x.run(ctx)
	if n, cerr := a.UnindexedCount(context.WithoutCancel(ctx)); cerr == nil {
		left = n
	} else if err == nil {
		err = cerr
	}
	return left, err
}
