package backup

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/folders"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/limits"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/retry"
)

// Run backs up the account described by opts.Conn into opts.ArchiveDir. It
// returns the Summary so far with any error; a cancelled run returns an error
// for which errors.Is(err, context.Canceled) holds, and everything committed
// stays. Running again resumes.
func Run(ctx context.Context, opts Options) (Summary, error) {
	var m *made
	if opts.SpaceCheck {
		m = madeBy(opts.ArchiveDir)
	}
	sum, err := run(ctx, opts)
	switch {
	case opts.SpaceCheck && fullAtStart(ctx, sum, err):
		// Too small to learn what the backup needs: what the run made
		// goes, and a survey (on a connection of its own) tells.
		m.undo()
		err = tooSmall(ctx, opts, err)
	case refusedForSpace(err):
		m.undo()
	}
	return sum, err
}

// run is Run, without the undoing of a refused run (SpaceCheck).
func run(ctx context.Context, opts Options) (Summary, error) {
	opts.applyDefaults()
	start := opts.Now()
	sum := Summary{ArchiveDir: opts.ArchiveDir}
	a, err := openArchive(ctx, opts.ArchiveDir, opts.Now, len(opts.Stores) == 0)
	if err != nil {
		return sum, err
	}
	defer a.Close()
	if err := claimAccount(ctx, a, opts.Conn, opts.SameAccountAsBefore); err != nil {
		return sum, err
	}
	runID, err := a.BeginRun(ctx, "backup")
	if err != nil {
		return sum, err
	}
	sum.RunID = runID
	var whole *wholeProgress
	if len(opts.Stores) > 0 {
		whole = newWholeProgress(opts.Progress, &opts)
		opts.Progress = whole.server
	}
	r := &runner{a: a, opts: &opts, runID: runID, sum: &sum,
		throttle: progress.NewThrottle(opts.Progress, opts.Now),
		done:     map[string]bool{}, failed: map[string]map[uint32]bool{},
		folders: map[string]*FolderSummary{}, conns: opts.connections(), lim: opts.Limits.For(opts.Conn.Host),
		compress: newCompression(&opts)}
	ledger := opts.Ledger
	if ledger == nil {
		ledger = a
	}
	r.meter = limits.NewMeter(ledger, r.lim, limits.Download, opts.Conn.User, opts.Now)
	// The indexer runs beside the run (what an earlier run left first)
	// and finishes after the writer: see index.go.
	x := newIndexer(a, r.indexed)
	x.afterWriter = true
	r.index, r.indexThrottle = x, progress.NewThrottle(opts.Progress, opts.Now)
	indexErr := make(chan error, 1)
	go func() { indexErr <- x.run(ctx) }()
	err = r.loop(ctx)
	if merr := r.meter.Close(context.WithoutCancel(ctx)); merr != nil && err == nil {
		err = merr
	}
	sum.Elapsed = opts.Now().Sub(start)
	sum.Compression = r.compress.summary()
	sum.LinkRate, _ = r.link.rate()
	r.finalStatus()
	r.indexTail()
	close(x.finished)
	ierr := <-indexErr
	sum.Indexed = x.done
	sum.IndexElapsed = opts.Now().Sub(start)
	r.indexFinal()
	if left, uerr := a.UnindexedCount(context.WithoutCancel(ctx)); uerr == nil {
		sum.Unindexed = left
	} else if ierr == nil {
		ierr = uerr
	}
	if ierr != nil && err == nil && ctx.Err() == nil {
		err = fmt.Errorf("index for search: %w", ierr)
	}
	if serr := r.fillSummary(context.WithoutCancel(ctx)); serr != nil && err == nil {
		err = serr
	}

	// Record how the run ended, whatever happened.
	res := archive.RunResult{Status: archive.RunOK, Messages: sum.New, Bytes: sum.NewBytes, Failed: int64(r.failedCount)}
	if fs, ferr := a.OpenFailures(context.WithoutCancel(ctx)); ferr == nil {
		sum.Failures = fs
	} else if err == nil {
		err = ferr
	}
	if total, terr := a.CurrentMessageCount(context.WithoutCancel(ctx)); terr == nil {
		sum.Total = total
	} else if err == nil {
		err = terr
	}
	var ex *limits.ExhaustedError
	switch {
	case errors.As(err, &ex):
		// Stopped cleanly for the provider's daily budget: not an error of
		// the archive or the server, but not all of the mail either.
		res.Status, res.Error = archive.RunError, ex.Error()
	case err != nil && ctx.Err() != nil:
		res.Status = archive.RunCancelled
		err = fmt.Errorf("backup stopped: %w", ctx.Err())
	case err != nil:
		res.Status, res.Error = archive.RunError, err.Error()
	case len(sum.Failures) > 0 || len(sum.FolderErrors) > 0:
		res.Status = archive.RunFailures
	}
	if ferr := a.FinishRun(runID, res); ferr != nil && err == nil {
		err = ferr
	}
	// The mail that lives only in the app is imported even when the
	// server could not be read: a POP account's server holds little.
	if len(opts.Stores) > 0 && ctx.Err() == nil && !refusedForSpace(err) {
		stores, serr := importStores(ctx, a, opts.Stores, whole)
		sum.Stores = stores
		for _, st := range stores {
			sum.New += st.Added
			sum.NewBytes += st.Bytes
		}
		if total, terr := a.CurrentMessageCount(context.WithoutCancel(ctx)); terr == nil {
			sum.Total = total
		}
		if serr != nil && ctx.Err() != nil {
			serr = fmt.Errorf("backup stopped: %w", ctx.Err())
		}
		err = errors.Join(err, serr)
	}
	return sum, err
}

// claimAccount records which account the archive holds, and refuses to mix
// another account into it. An archive with no message saved is free: a
// first run that failed (a mistyped host or user) does not tie it. same
// says the user confirmed that another name reaches the same account.
func claimAccount(ctx context.Context, a *archive.Archive, c imapconn.Config, same bool) error {
	acct, err := a.Account(ctx)
	if err != nil {
		return err
	}
	user, host := acct.User, acct.Host
	if user != "" && !same && (!strings.EqualFold(user, c.User) || !strings.EqualFold(host, c.Host)) {
		n, err := a.MessageCount(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return mailerr.New(mailerr.BadInput, "open archive", a.Dir(),
				&archive.OtherAccountError{Held: acct, GivenUser: c.User, Host: c.Host})
		}
	}
	cc := c
	if cc.Port == 0 {
		cc.Port, _ = strconv.Atoi(strings.TrimPrefix(cc.Addr()[strings.LastIndexByte(cc.Addr(), ':'):], ":"))
	}
	return a.SetAccount(ctx, archive.Account{User: c.User, Host: c.Host, Port: cc.Port, Security: c.Security.String()})
}

type runner struct {
	a        *archive.Archive
	opts     *Options
	runID    int64
	sum      *Summary
	throttle *progress.Throttle

	done    map[string]bool            // folders finished in this run
	failed  map[string]map[uint32]bool // per folder, UIDs that failed in this run
	folders map[string]*FolderSummary
	order   []string

	unreadable map[string]bool // folders reported as unreadable, by name and reason

	// mu guards the progress counters, failed and folders, and the
	// throttle, while a session's connections run.
	mu     sync.Mutex
	budget *budget // the current session's
	// conns is how many connections a session opens; lowered for the rest
	// of the run when the server refuses one (fan.go).
	conns int
	// compress is the run's COMPRESS=DEFLATE decision (compress.go).
	compress *compression
	link     linkRate // what the connections delivered (linkrate.go)

	lim   limits.Limits
	meter *limits.Meter // the daily download budget; nil: none
	// the session's share of the budget (budget.go)
	budgetInfo     *progress.Budget
	budgetFrom     int64
	defN, defBytes int64
	sessRecv       atomic.Int64 // bytes received in this session

	failedCount int
	connected   bool // a session has logged in once: later dial errors are transient
	// spaceChecked: the first session checked the space (space.go)
	spaceChecked bool
	progressed   bool // something was committed since the last retry
	movedMu      sync.Mutex
	lastMoved    time.Time    // the last progress (stall.go)
	recv         atomic.Int64 // bytes of mail received since then

	// index builds the full-text index after the writer (index.go);
	// indexing says its progress is shown (the writer is done), and
	// indexDone and indexLeft are how far it got.
	index                *indexer
	indexThrottle        *progress.Throttle // its own: the index's events carry no bytes
	indexing             bool
	indexDone, indexLeft int64

	// progress counters for the whole run
	total, totalBytes int64
	doneN, doneBytes  int64
	folder            string
	folderDone        int64
	folderTotal       int64
}

func (r *runner) event() progress.Event {
	e := progress.Event{Step: "backup", Folder: r.folder, FolderDone: r.folderDone, FolderTotal: r.folderTotal,
		Done: r.doneN, Total: r.total, Bytes: r.doneBytes, TotalBytes: r.totalBytes}
	r.budgetEvent(&e)
	return e
}

func (r *runner) finalStatus() { r.throttle.Status(r.event(), true) }

// indexEvent is the index's progress: Step "index", messages indexed in
// this run of those it has to.
func (r *runner) indexEvent() progress.Event {
	return progress.Event{Step: progress.StepIndex, Done: r.indexDone, Total: r.indexDone + r.indexLeft}
}

// indexed takes the indexer's progress; it is shown once the writer is
// done (before, the backup's own progress is).
func (r *runner) indexed(done, left int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.indexDone, r.indexLeft = done, left
	if r.indexing {
		r.indexThrottle.Status(r.indexEvent(), false)
	}
}

// indexTail starts showing the index's progress, when messages wait for it.
func (r *runner) indexTail() {
	r.mu.Lock()
	defer r.mu.Unlock()
	left, err := r.a.UnindexedCount(context.Background())
	if err != nil || left == 0 {
		return
	}
	r.indexing, r.indexLeft = true, left
	r.indexThrottle.Status(r.indexEvent(), true)
}

// indexFinal sends the index's last Status, when its progress was shown.
func (r *runner) indexFinal() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.indexing {
		r.indexThrottle.Status(r.indexEvent(), true)
	}
}

// loop runs sessions until every folder is done, reconnecting with backoff
// after a transient error.
func (r *runner) loop(ctx context.Context) error {
	attempt, throttles := 0, 0
	r.moved()
	for {
		r.progressed = false
		err := r.session(ctx)
		if r.progressed {
			throttles = 0
		}
		if errors.Is(err, errBudgetUsed) {
			if err := r.budgetUsed(ctx); err != nil {
				return err
			}
			attempt = 0
			continue
		}
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		var te *limits.ThrottleError
		if errors.As(err, &te) {
			// Not a failure: the server asked to slow down. Wait what it
			// suggests and go on over a new connection.
			throttles++
			if err := r.throttleWait(ctx, te, throttles); err != nil {
				return err
			}
			continue
		}
		if !r.transient(err) {
			return err
		}
		if serr := r.stalled(err); serr != nil {
			return serr
		}
		if errors.Is(err, errConnLimit) {
			// The server cut a connection for its limit: again at once,
			// with fewer (each time one fewer, down to one).
			continue
		}
		if err := reconnect(ctx, r.opts.Policy, r.sum, r.throttle, r.event(), &attempt, r.progressed, r.connected, err); err != nil {
			return err
		}
	}
}

// openArchive opens (or makes) the archive in dir that a run writes into;
// an empty dir is refused. bulk: written with a rollback journal while
// the run has it to itself (archive.Options.Bulk).
func openArchive(ctx context.Context, dir string, now func() time.Time, bulk bool) (*archive.Archive, error) {
	if dir == "" {
		return nil, mailerr.New(mailerr.BadInput, "backup", "", errors.New("no archive folder given"))
	}
	return archive.Open(ctx, dir, archive.Options{Now: now, Bulk: bulk})
}

// firstConnectRetries bounds the retries before any session has logged in.
const firstConnectRetries = 2

// reconnect is the step after a transient error, the same for the IMAP
// and the POP3 loop: count the attempt (from 0 again when the session
// saved something), give up past opts.Retries — past
// firstConnectRetries when no session ever got in, so that a person with
// a wrong port is told at once — or say so and wait the backoff. A nil
// result means: run the next session.
func reconnect(ctx context.Context, p retry.Policy, sum *Summary, th *progress.Throttle, ev progress.Event,
	attempt *int, progressed, connected bool, err error) error {
	if progressed {
		*attempt = 0
	}
	*attempt++
	sum.Retries++
	limit := p.Retries
	if !connected {
		limit = min(limit, firstConnectRetries)
	}
	if *attempt > limit {
		return fmt.Errorf("gave up after %d attempts: %w", *attempt-1, err)
	}
	wait := p.Backoff(*attempt)
	th.Notice(ev, progress.NoticeData{Kind: progress.Retrying,
		Text: fmt.Sprintf("connection lost (%v); reconnecting in %v (attempt %d of %d)", err, wait, *attempt, p.Retries), Err: err})
	return p.Sleep(ctx, wait)
}

func (r *runner) transient(err error) bool {
	if errors.Is(err, errTooLarge) || errors.Is(err, errConnLimit) || errors.Is(err, errGenerationMoved) {
		return true
	}
	switch mailerr.KindOf(err) {
	case mailerr.ConnLost, mailerr.Timeout:
		return true
	case mailerr.ConnRefused, mailerr.HostNotFound, mailerr.NotIMAP:
		// The server went away after we were in: it may come back.
		return r.connected
	case mailerr.Unknown:
		// An unclassified error once we were in is the connection failing
		// in a way the client did not name (a parse error on a cut
		// stream): retry, bounded by Retries.
		return r.connected
	}
	return false
}

// session connects once and works through every folder not yet done.
func (r *runner) session(ctx context.Context) (err error) {
	c, err := imapconn.Dial(ctx, r.connConfig())
	if err != nil {
		if te := r.throttled(err, ""); te != nil {
			return te
		}
		return err
	}
	defer c.Close()
	defer func() {
		if err != nil && ctx.Err() == nil {
			if te := r.throttled(err, c.ByeText()); te != nil {
				err = te
			}
		}
	}()
	r.connected = true
	r.compress.offered(c.Caps.Compress)
	if c.Compressed() {
		r.compress.used()
	}
	classify := func(op string, err error) error {
		if err == nil || mailerr.As(err) != nil && !errors.Is(err, errTooLarge) {
			return err
		}
		return c.Classify(ctx, op, err)
	}

	list, err := folders.List(c, folders.Options{Status: true})
	if err != nil {
		return classify("list folders", err)
	}
	if list, err = selectFolders(list, r.opts.Folders, r.opts.Conn.Host); err != nil {
		return err
	}
	// Plan every folder first, so the totals (and the ETA) cover the run.
	// The other connections are opened meanwhile, when a folder needs
	// planning.
	var plans []*folderPlan
	var ahead *dials
	defer func() {
		if ahead != nil {
			ahead.close()
		}
	}()
	r.total, r.totalBytes = r.doneN, r.doneBytes
	var todo []*folderPlan
	for _, sf := range list {
		if r.done[sf.Name] {
			continue
		}
		if sf.Err != nil {
			// Listed, but its name or its list entry cannot be used:
			// say so once, go on with the others.
			r.folderUnreadable(sf)
			continue
		}
		fs := r.folderSummary(sf)
		f, err := r.a.Folder(ctx, sf.Name)
		if err != nil {
			return err
		}
		if f != nil && r.a.MboxChanged(f) != nil {
			// Its mbox file was changed outside Mailark: neither cut nor
			// appended to until mailark repair; the other folders go on.
			r.folderFailed(sf, r.a.MboxChanged(f))
			continue
		}
		if upToDate(sf, f) && !r.hasOpenFailures(ctx, f) {
			r.done[sf.Name] = true
			fs.ServerMessages = *sf.Status.NumMessages
			if err := r.a.SetFolderStatus(ctx, f, archive.FolderStatus{UIDNext: f.CompleteUIDNext,
				Messages: fs.ServerMessages, Complete: true}); err != nil {
				return err
			}
			continue
		}
		todo = append(todo, &folderPlan{server: sf, folder: f})
	}
	if len(todo) > 0 {
		ahead = dialAhead(ctx, r.connConfig(), r.conns-1)
	}
	err = planAll(c, todo, func(fp *folderPlan, p *planCmds) error {
		sf := fp.server
		fs := r.folderSummary(sf)
		if err := finishPlan(ctx, c, r.a, sf, fp, p); err != nil {
			var imapErr *imap.Error
			if errors.As(err, &imapErr) {
				// The folder cannot be examined (deleted meanwhile, no
				// permission): say so, go on with the others.
				r.folderFailed(sf, err)
				return nil
			}
			return classify("examine", err)
		}
		fp.drop(r.failed[sf.Name])
		fs.ServerMessages = fp.messages
		fs.NewGeneration = fs.NewGeneration || fp.newGen
		// The server's count, recorded now, so that a run stopped before
		// this folder is fetched still says how much of it is archived
		// (gate.Coverage). Complete stays as an earlier run left it.
		if err := r.a.SetFolderStatus(ctx, fp.folder, archive.FolderStatus{UIDNext: fp.uidNext,
			Messages: fp.messages}); err != nil {
			return err
		}
		if len(fp.gone) > 0 {
			if err := r.a.ResolveGone(ctx, fp.folder.ID, fp.gone); err != nil {
				return err
			}
		}
		r.total += int64(len(fp.missing))
		r.totalBytes += fp.bytes
		plans = append(plans, fp)
		return nil
	})
	if err != nil {
		return err
	}
	if err := r.checkSpace(); err != nil {
		return err
	}
	n, bytes, taken, err := r.fitBudget(ctx, plans)
	if err != nil {
		return err
	}
	r.defN, r.defBytes = n, bytes
	r.sessRecv.Store(0)
	r.throttle.Status(r.event(), true)
	if ahead == nil {
		ahead = dialAhead(ctx, r.connConfig(), 0)
	}
	err = r.fetchAll(ctx, c, plans, ahead)
	// What the budget gave this session and it did not receive (it was
	// cut short) goes back, for the next session to take.
	r.meter.Return(max(taken-r.sessRecv.Load(), 0))
	if err == nil && n > 0 {
		return errBudgetUsed
	}
	return err
}

func (r *runner) hasOpenFailures(ctx context.Context, f *archive.Folder) bool {
	n, err := r.a.OpenFailureCount(ctx, f.ID)
	return err != nil || n > 0 // unknown: look at the folder again
}

func (r *runner) folderSummary(sf folders.Folder) *FolderSummary {
	fs := r.folders[sf.Name]
	if fs == nil {
		fs = &FolderSummary{Name: sf.Name, Role: sf.Role}
		r.folders[sf.Name] = fs
		r.order = append(r.order, sf.Name)
	}
	return fs
}

func (r *runner) folderFailed(sf folders.Folder, err error) {
	r.done[sf.Name] = true
	r.failedCount++
	r.sum.FolderErrors = append(r.sum.FolderErrors, FolderError{Name: sf.Name, Reason: err.Error(), Err: err})
	r.throttle.Notice(r.event(), progress.NoticeData{Kind: progress.MessageFailed,
		Text: fmt.Sprintf("folder %s could not be read: %v", sf.Name, err), Err: err})
}

// folderUnreadable reports, once per run, a folder that LIST named but
// that cannot be read at all. It does not mark the name done: another
// folder may decode to the same name.
func (r *runner) folderUnreadable(sf folders.Folder) {
	key := sf.Name + "\x00" + sf.Err.Error()
	if r.unreadable[key] {
		return
	}
	if r.unreadable == nil {
		r.unreadable = map[string]bool{}
	}
	r.unreadable[key] = true
	r.failedCount++
	r.sum.FolderErrors = append(r.sum.FolderErrors, FolderError{Name: sf.Name, Reason: sf.Err.Error(), Err: sf.Err})
	r.throttle.Notice(r.event(), progress.NoticeData{Kind: progress.MessageFailed,
		Text: fmt.Sprintf("folder %s could not be read: %v", sf.Name, sf.Err), Err: sf.Err})
}

// writeFolder writes what the connections fetch of one folder, and marks
// it done. It runs on the writer's goroutine, after a connection confirmed
// the folder's generation. It returns the archive's error and the fetch's.
func (r *runner) writeFolder(ctx context.Context, fn *fan, fw *folderWork) (werr, ferr error) {
	fp := fw.fp
	name := fp.server.Name
	r.mu.Lock()
	fs := r.folders[name]
	r.folder, r.folderDone, r.folderTotal = name, 0, int64(len(fp.missing))
	r.throttle.Notice(r.event(), progress.NoticeData{Kind: progress.FolderStarted, Text: name})
	r.mu.Unlock()

	if len(fp.missing) > 0 {
		w := &writer{a: r.a, opts: r.opts, runID: r.runID, budget: fn.budget,
			onAdded: func(uid imap.UID, size int64) {
				r.mu.Lock()
				defer r.mu.Unlock()
				r.folderDone++
				r.doneN++
				r.doneBytes += size
				r.moved()
				// The total had the server's RFC822.SIZE for this message;
				// from now on it counts the bytes that came.
				r.totalBytes += size - fp.sizes[uid]
				r.throttle.Status(r.event(), false)
			},
			onCommitted: func(n int, bytes int64) {
				r.mu.Lock()
				defer r.mu.Unlock()
				r.sum.New += int64(n)
				r.sum.NewBytes += bytes
				fs.New += int64(n)
				fs.NewBytes += bytes
				r.progressed = true
				r.index.committed()
			},
			onFail: func(uid imap.UID, reason string) {
				r.mu.Lock()
				defer r.mu.Unlock()
				if r.failed[name] == nil {
					r.failed[name] = map[uint32]bool{}
				}
				r.failed[name][uint32(uid)] = true
				r.failedCount++
				fs.Failed++
				r.moved()
				// Not to be saved in this run: out of the totals, so
				// the bar can still end at 100%.
				r.total--
				r.folderTotal--
				r.totalBytes -= fp.sizes[uid]
				r.throttle.Notice(r.event(), progress.NoticeData{Kind: progress.MessageFailed, UID: uint32(uid), Text: reason})
			},
		}
		werr, ferr = w.pipeline(ctx, fp.folder, func() { fn.fail(errWriterStopped) },
			func(out chan<- *item) error { return fn.drain(fw, out) })
		if werr != nil || ferr != nil {
			return werr, ferr
		}
	}
	r.mu.Lock()
	// A folder with messages left for another day is not complete: the
	// next session plans them.
	complete := len(r.failed[name]) == 0 && fp.deferred == 0
	r.mu.Unlock()
	st := archive.FolderStatus{UIDNext: fp.uidNext, Messages: fp.messages, Complete: complete}
	if err := r.a.SetFolderStatus(ctx, fp.folder, st); err != nil {
		return err, nil
	}
	r.mu.Lock()
	r.done[name] = fp.deferred == 0
	r.moved()
	r.throttle.Notice(r.event(), progress.NoticeData{Kind: progress.FolderDone, Text: name})
	r.mu.Unlock()
	return nil, nil
}

// noticeLocked tells of something worth a line; r.mu is held.
func (r *runner) noticeLocked(text string, err error) {
	r.throttle.Notice(r.event(), progress.NoticeData{Kind: progress.Info, Text: text, Err: err})
}

// Summary assembly: folder summaries with archive counts, in listing order.
// The first error is returned; the folders are all listed anyway.
func (r *runner) fillSummary(ctx context.Context) error {
	var first error
	for _, name := range r.order {
		fs := *r.folders[name]
		f, err := r.a.Folder(ctx, name)
		if err == nil && f != nil {
			fs.Archived, err = r.a.FolderMessageCount(ctx, f.ID)
		}
		if err != nil && first == nil {
			first = err
		}
		r.sum.Folders = append(r.sum.Folders, fs)
	}
	return first
}
