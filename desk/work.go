package desk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/limits"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/migrate"
)

// WorkOptions for Work.
type WorkOptions struct {
	Secrets *Secrets
	// Workers is how many steps this process runs at once (default 4);
	// with per-worker archives, that many from the shared queue and that
	// many from the PC's own.
	Workers int
	// UntilIdle returns once the queue has nothing left to do; otherwise
	// Work runs until ctx ends.
	UntilIdle bool
	// ID names this worker on the board (default host-pid).
	ID string
	// Logger gets River's and the desk's log lines (never a password).
	Logger *slog.Logger
	// Lang of the reports (default the desk's).
	Lang string
	// PC names this computer on a desk with per-worker archives (default
	// DefaultPC, from the host name): the accounts whose archives it
	// holds are worked only here, from its own queue. Give the same name
	// every time the PC's worker starts again.
	PC string
	// ArchiveRoot is the folder of this PC that holds the archives it
	// backs up, one folder per customer (required on a desk with
	// per-worker archives, refused on one with shared archives).
	ArchiveRoot string
}

// WorkResult is what the desk looks like when Work returns.
type WorkResult struct {
	Accounts   int
	Done       int
	Attention  []Status // accounts that need a person (their PC stopped, too)
	Unfinished int      // neither done nor needing a person (Work stopped early)
	// Elsewhere counts the unfinished accounts whose archives are on
	// another PC whose worker is running: that PC works them.
	Elsewhere int
}

// Work runs steps from the desk's queue until ctx ends or, with
// UntilIdle, until nothing is left to do. Any number of workers on any
// number of PCs may work the same desk.
func (d *Desk) Work(ctx context.Context, opts WorkOptions) (WorkResult, error) {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.ID == "" {
		h, _ := os.Hostname()
		opts.ID = fmt.Sprintf("%s-%d", h, os.Getpid())
	}
	if len(opts.ID) > 80 {
		opts.ID = opts.ID[:80]
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Lang == "" {
		opts.Lang = d.Config.Lang
	}
	if opts.Secrets == nil {
		opts.Secrets = &Secrets{}
	}
	queues := []string{river.QueueDefault}
	if d.Config.PerWorker() {
		if opts.PC == "" {
			opts.PC = DefaultPC()
		}
		if err := CheckPC(opts.PC); err != nil {
			return WorkResult{}, err
		}
		if opts.ArchiveRoot == "" {
			return WorkResult{}, mailerr.New(mailerr.BadInput, "work", d.Dir,
				errors.New("this desk keeps each archive on the PC that backs it up: give this PC's folder for the archives (the archive root)"))
		}
		root, err := archiveRoot(opts.ArchiveRoot)
		if err != nil {
			return WorkResult{}, err
		}
		opts.ArchiveRoot = root
		queues = append(queues, queueOf(opts.PC))
	} else if opts.ArchiveRoot != "" {
		return WorkResult{}, mailerr.New(mailerr.BadInput, "work", d.Dir,
			fmt.Errorf("this desk keeps every archive in %s: a PC's own archive folder is only for desks whose archives are per-worker",
				filepath.Join(d.Dir, "customers")))
	} else {
		opts.PC = ""
	}
	if err := d.migrate(ctx); err != nil {
		return WorkResult{}, err
	}
	w := &worker{d: d, opts: opts}
	workers := river.NewWorkers()
	river.AddWorker(workers, &stepWorker{w: w})
	q, err := d.newQueue(d.queueConfig(workers, opts.Workers, opts.ID, queues, opts.Logger))
	if err != nil {
		return WorkResult{}, err
	}
	w.q = q
	if err := d.heartbeat(ctx, opts.ID); err != nil {
		return WorkResult{}, err
	}
	if opts.PC != "" {
		if err := d.pcHeartbeat(ctx, opts.ID, opts.PC, opts.ArchiveRoot); err != nil {
			return WorkResult{}, err
		}
		// A PC whose last worker stops says so at once: its accounts wait
		// for it, and the board tells why.
		defer d.pcStopped(opts.ID)
	}
	if err := q.start(ctx); err != nil {
		return WorkResult{}, d.dbErr("start queue", err)
	}
	rctx, stopRescue := context.WithCancel(ctx)
	go d.rescueLoop(rctx, opts.ID, opts.PC, opts.ArchiveRoot, q)
	if opts.UntilIdle {
		err = waitIdle(ctx, q, queues)
	} else {
		<-ctx.Done()
	}
	stopRescue()
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if serr := q.stop(stopCtx); serr != nil && err == nil && ctx.Err() == nil {
		err = d.dbErr("stop queue", serr)
	}
	res, rerr := d.result(context.WithoutCancel(ctx), opts.PC)
	if err == nil {
		err = rerr
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return res, err
}

// waitIdle returns when the queues have had nothing to do twice in a row.
func waitIdle(ctx context.Context, q queue, queues []string) error {
	t := time.NewTicker(300 * time.Millisecond)
	defer t.Stop()
	idle := 0
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		busy, err := q.busy(ctx, queues)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue // a busy database; ask again
		}
		if busy {
			idle = 0
			continue
		}
		if idle++; idle >= 2 {
			return nil
		}
	}
}

// result is the desk as pc (the worker's PC, "" on a shared desk) sees it.
func (d *Desk) result(ctx context.Context, pc string) (WorkResult, error) {
	list, err := d.Accounts(ctx)
	if err != nil {
		return WorkResult{}, err
	}
	r := WorkResult{Accounts: len(list)}
	for _, s := range list {
		switch {
		case s.State == StateDone:
			r.Done++
		case s.NeedsPerson():
			r.Attention = append(r.Attention, s)
		case s.ArchivePC != "" && s.ArchivePC != pc:
			r.Elsewhere++
		default:
			r.Unfinished++
		}
	}
	return r, nil
}

type stepWorker struct {
	river.WorkerDefaults[StepArgs]
	w *worker
}

func (s *stepWorker) Work(ctx context.Context, job *river.Job[StepArgs]) error {
	return s.w.run(ctx, job.ID, job.Args, job.Attempt, job.MaxAttempts)
}

type worker struct {
	d    *Desk
	opts WorkOptions
	q    queue
}

// needsPerson wraps an error that retrying cannot mend: a wrong password,
// a full mailbox, a closed gate.
type needsPerson struct{ err error }

func (e needsPerson) Error() string { return e.err.Error() }
func (e needsPerson) Unwrap() error { return e.err }

// errBusy: the account or the server's connections are taken by other
// workers; the step waits its turn without using up a try.
var errBusy = errors.New("busy")

func (w *worker) run(ctx context.Context, jobID int64, args StepArgs, attempt, maxAttempts int) error {
	d := w.d
	st, ok, err := d.AccountStatus(ctx, args.Customer)
	if err != nil {
		return err
	}
	if !ok || args.Round < st.Round {
		return nil // removed, or a round that a rerun replaced
	}
	if args.Round == st.Round && (st.State == StateDone || st.State == StateAttention ||
		stepIndex(st.Account, args.Round, st.Step) > stepIndex(st.Account, args.Round, args.Step)) {
		return nil // a second copy of a step already done (a rescued job whose worker had finished it)
	}
	// The holder names this execution, not only the job: a job run again
	// (rescued while its first run was merely slow) never shares the
	// first run's claim, so the first run's next heartbeat stops it.
	holder := w.opts.ID + "." + strconv.FormatInt(executions.Add(1), 10) + "#" + strconv.FormatInt(jobID, 10)
	ttl := time.Duration(d.Config.LeaseSeconds) * time.Second
	got, err := d.claimAccount(ctx, args.Customer, holder, ttl)
	if err != nil {
		return err
	}
	if !got {
		return river.JobSnooze(ttl / 4)
	}
	defer d.releaseAccount(args.Customer, holder)
	defer d.releaseHosts(holder)
	archiveDir := d.ArchiveDir(args.Customer)
	if d.Config.PerWorker() {
		dir, routed, err := w.place(ctx, args, maxAttempts)
		if err != nil || routed {
			return err
		}
		archiveDir = dir
	}
	if stalled(w.opts.ID) {
		ctx = context.WithoutCancel(ctx)
	}
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// The fence: every write the step commits to the archive first renews
	// the claim, and is refused once another worker holds it. The
	// heartbeat alone would leave the first run of a job rescued while it
	// was merely slow free to write until its next renewal; the archive's
	// lock alone is not the queue's guard.
	fctx := archive.WithFence(sctx, func(ctx context.Context) error {
		held, err := d.renew(ctx, args.Customer, holder, ttl)
		if err != nil {
			return err
		}
		if !held {
			cancel(errTakenOver)
			return errTakenOver
		}
		return nil
	})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w.heartbeat(sctx, cancel, args.Customer, holder, ttl) }()
	defer wg.Wait()
	defer cancel(nil)

	started := nowMillis()
	if _, err := d.exec(ctx, `INSERT INTO desk_steps(customer, round, step, worker, started_at) VALUES(?, ?, ?, ?, ?)`,
		args.Customer, args.Round, args.Step, holder, started); err != nil {
		return err
	}
	_ = d.update(ctx, args.Customer, map[string]any{"state": StateWorking, "step": args.Step, "worker": w.opts.ID,
		"attempt": attempt, "done_msgs": 0, "done_bytes": 0, "rate": 0.0, "eta_seconds": 0})
	serr := w.step(fctx, holder, st.Account, args, archiveDir)
	c := context.Cause(sctx)
	if serr != nil && c != nil && !errors.Is(c, context.Canceled) {
		serr = c
	}
	outcome := "ok"
	if serr != nil {
		outcome = serr.Error()
	}
	if errors.Is(c, errTakenOver) {
		outcome = errTakenOver.Error()
	}
	_, _ = d.exec(context.WithoutCancel(ctx), `UPDATE desk_steps SET finished_at = ?, outcome = ? WHERE customer = ? AND round = ? AND step = ? AND worker = ? AND started_at = ?`,
		nowMillis(), outcome, args.Customer, args.Round, args.Step, holder, started)
	if errors.Is(c, errTakenOver) {
		// The account is another worker's now, and so are its board line
		// and its next step.
		return river.JobCancel(errTakenOver)
	}
	return w.finish(ctx, st.Account, args, serr, attempt, maxAttempts)
}

// place finds the account's archive on a desk with per-worker archives:
// its folder on this PC, pinning the account to this PC when this step is
// the first to write the archive (a survey only reads: it pins nothing).
// A step of an account pinned to another PC does not run here: it is
// sent on to that PC's queue (routed).
func (w *worker) place(ctx context.Context, args StepArgs, maxAttempts int) (dir string, routed bool, err error) {
	d := w.d
	p, err := d.pinOf(ctx, args.Customer)
	if err != nil {
		return "", false, err
	}
	if p.PC == "" {
		local := filepath.Join(w.opts.ArchiveRoot, args.Customer)
		if args.Step == StepSurvey {
			return local, false, nil
		}
		if p, err = d.pin(ctx, args.Customer, Pin{PC: w.opts.PC, Path: local}); err != nil {
			return "", false, err
		}
	}
	if p.PC == w.opts.PC {
		return p.Path, false, nil
	}
	// The archive is on another PC (this job was queued before the
	// account was pinned: a retry of its first backup). A copy goes to
	// that PC's queue; this one ends without touching anything.
	args.Hop++
	if err := w.q.insert(ctx, args, queueOf(p.PC), maxAttempts); err != nil {
		return "", false, d.dbErr("queue", err)
	}
	_ = d.update(ctx, args.Customer, map[string]any{"state": StateQueued, "worker": ""})
	return "", true, nil
}

// executions numbers the step executions of this process (see holder in run).
var executions atomic.Int64

// errTakenOver: this run's claim on the account lapsed and another worker
// took it (this worker was thought dead); the run writes nothing more.
var errTakenOver = errors.New("another worker took over this account")

// stalledLinks holds the worker IDs whose link to the queue stalls (tests
// only): their claims are not renewed, they rescue nothing, and River's
// word that a job was cancelled does not reach their steps.
var stalledLinks sync.Map

func stalled(id string) bool { _, ok := stalledLinks.Load(id); return ok }

// heartbeat renews the account's claim; a claim lost (the worker was
// thought dead) stops the step.
func (w *worker) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, customer, holder string, ttl time.Duration) {
	t := time.NewTicker(ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if stalled(w.opts.ID) {
			continue
		}
		held, err := w.d.renew(ctx, customer, holder, ttl)
		if err == nil && !held {
			cancel(errTakenOver)
			return
		}
	}
}

// finish records the step's outcome and queues the next step.
func (w *worker) finish(ctx context.Context, a Account, args StepArgs, err error, attempt, maxAttempts int) error {
	d := w.d
	ctx = context.WithoutCancel(ctx)
	if errors.Is(err, errBusy) {
		_ = d.update(ctx, args.Customer, map[string]any{"state": StateQueued, "worker": ""})
		return river.JobSnooze(2 * time.Second)
	}
	var ex *limits.ExhaustedError
	if errors.As(err, &ex) {
		// The provider's daily budget is used up: not a failure; the step
		// runs again, on any worker, once it renews.
		_ = d.update(ctx, args.Customer, map[string]any{"state": StateWaiting, "worker": "",
			"error_kind": "budget", "error_text": ex.Text(w.opts.Lang, time.Local)})
		return river.JobSnooze(max(time.Until(ex.Renews), 0) + time.Minute)
	}
	var np needsPerson
	switch {
	case err == nil:
		steps := Steps(a, args.Round)
		for i, s := range steps {
			if s != args.Step {
				continue
			}
			if i+1 < len(steps) {
				next := steps[i+1]
				if uerr := d.update(ctx, args.Customer, map[string]any{"state": StateQueued, "step": next, "worker": "",
					"error_kind": "", "error_text": ""}); uerr != nil {
					return uerr
				}
				queue, qerr := d.stepQueue(ctx, args.Customer)
				if qerr != nil {
					return qerr
				}
				return w.q.insert(ctx, StepArgs{Customer: args.Customer, Round: args.Round, Step: next}, queue, d.Config.MaxAttempts)
			}
		}
		return nil // the report step set the final state
	case errors.As(err, &np) || attempt >= maxAttempts:
		_ = d.update(ctx, args.Customer, map[string]any{"state": StateAttention, "worker": "",
			"error_kind": errorKind(err), "error_text": err.Error(), "finished_at": nowMillis()})
		return river.JobCancel(err)
	default:
		_ = d.update(ctx, args.Customer, map[string]any{"state": StateRetrying, "worker": "",
			"error_kind": errorKind(err), "error_text": err.Error()})
		return err
	}
}

func errorKind(err error) string {
	var np needsPerson
	if errors.As(err, &np) {
		var g gateClosed
		if errors.As(np.err, &g) {
			return mailerr.GateClosed.String()
		}
		if errors.Is(np.err, migrate.ErrCopyQuota) {
			return "quota"
		}
	}
	return mailerr.KindOf(err).String()
}

// progressWriter saves a step's progress to the desk at most twice a
// second, off the engine's goroutine.
type progressWriter struct {
	mu     sync.Mutex
	last   progress.Event
	dirty  bool
	notify chan struct{}
	done   chan struct{}
}

func (w *worker) trackProgress(ctx context.Context, customer string) (progress.Sink, func()) {
	p := &progressWriter{notify: make(chan struct{}, 1), done: make(chan struct{})}
	flush := func() {
		p.mu.Lock()
		ev, dirty := p.last, p.dirty
		p.dirty = false
		p.mu.Unlock()
		if !dirty {
			return
		}
		cols := map[string]any{"done_msgs": ev.Done, "done_bytes": ev.Bytes, "rate": ev.Rate, "eta_seconds": int64(ev.ETA.Seconds())}
		if ev.Total > 0 {
			cols["total_msgs"] = ev.Total
		}
		if ev.TotalBytes > 0 {
			cols["total_bytes"] = ev.TotalBytes
		}
		_ = w.d.update(context.WithoutCancel(ctx), customer, cols)
	}
	go func() {
		defer close(p.done)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				flush()
				return
			case <-p.notify:
				flush()
				return
			case <-t.C:
				flush()
			}
		}
	}()
	sink := func(ev progress.Event) {
		if ev.Kind != progress.Status || ev.Step == progress.StepIndex {
			return // the board shows the mail saved, not the index built after
		}
		p.mu.Lock()
		p.last, p.dirty = ev, true
		p.mu.Unlock()
	}
	stop := func() {
		select {
		case p.notify <- struct{}{}:
		default:
		}
		<-p.done
	}
	return sink, stop
}

func stepIndex(a Account, round int, step string) int {
	for i, s := range Steps(a, round) {
		if s == step {
			return i
		}
	}
	return -1
}
