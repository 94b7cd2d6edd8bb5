package desk

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/mailark/mailark/internal/mailerr"
)

// StepArgs is the one kind of job on the desk's queue: one step of one
// customer's account in one round (0 the first pass, 1, 2… each rerun
// --delta). It holds no account detail and never a password: the worker
// reads the account from the desk and the password from its own secrets
// file. River keeps at most one such job per customer, round, step and
// try: Try counts the jobs that replaced one whose worker died (rescue.go),
// Hop the times the step was sent on to the PC that holds the account's
// archive (archives.go).
type StepArgs struct {
	Customer string `json:"customer" river:"unique"`
	Round    int    `json:"round" river:"unique"`
	Step     string `json:"step" river:"unique"`
	Try      int    `json:"try,omitempty" river:"unique"`
	Hop      int    `json:"hop,omitempty" river:"unique"`
}

// Kind is the River job kind.
func (StepArgs) Kind() string { return "mailark_desk_step" }

// InsertOpts makes the job unique per customer, round and step, in every
// state (a finished step is not queued again for the same round), in
// whichever queue (a per-worker desk has one per PC).
func (StepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: river.QueueDefault, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// queue is River's client on either driver: the job code above it is the
// same for PostgreSQL and SQLite.
type queue interface {
	// insert queues args in the named River queue.
	insert(ctx context.Context, args StepArgs, queue string, maxAttempts int) error
	start(ctx context.Context) error
	stop(ctx context.Context) error
	// busy reports whether any job of the named queues is waiting,
	// scheduled, retrying or running (a running job already replaced does
	// not count).
	busy(ctx context.Context, queues []string) (bool, error)
	// running lists the step jobs River has given to a worker and not yet
	// seen end, less those already replaced.
	running(ctx context.Context) ([]runningJob, error)
	// replace hands a running job whose worker died to the other workers:
	// a copy of it (the next Try) is queued and the dead one is cancelled,
	// both through River's client. It reports false when the job was not
	// running any more or was replaced already.
	replace(ctx context.Context, jobID int64) (bool, error)
}

// runningJob is a running step job and the worker River gave it to.
type runningJob struct {
	id     int64
	worker string
	queue  string
}

type riverQueue[TTx any] struct {
	client *river.Client[TTx]
}

func (q *riverQueue[TTx]) insert(ctx context.Context, args StepArgs, queue string, maxAttempts int) error {
	opts := args.InsertOpts()
	opts.Queue = queue
	opts.MaxAttempts = maxAttempts
	_, err := q.client.Insert(ctx, args, &opts)
	return err
}

func (q *riverQueue[TTx]) start(ctx context.Context) error { return q.client.Start(ctx) }
func (q *riverQueue[TTx]) stop(ctx context.Context) error  { return q.client.Stop(ctx) }

func (q *riverQueue[TTx]) busy(ctx context.Context, queues []string) (bool, error) {
	res, err := q.client.JobList(ctx, river.NewJobListParams().States(rivertype.JobStateAvailable, rivertype.JobStatePending,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled).Queues(queues...).First(1))
	if err != nil {
		return false, err
	}
	if len(res.Jobs) > 0 {
		return true, nil
	}
	run, err := q.running(ctx)
	for _, j := range run {
		if slices.Contains(queues, j.queue) {
			return true, err
		}
	}
	return false, err
}

func (q *riverQueue[TTx]) running(ctx context.Context) ([]runningJob, error) {
	var out []runningJob
	params := river.NewJobListParams().States(rivertype.JobStateRunning).Kinds(StepArgs{}.Kind()).First(1000)
	for {
		res, err := q.client.JobList(ctx, params)
		if err != nil {
			return nil, err
		}
		for _, j := range res.Jobs {
			if cancelAttempted(j) {
				continue // replaced; River's rescuer ends it in time
			}
			r := runningJob{id: j.ID, queue: j.Queue}
			if n := len(j.AttemptedBy); n > 0 {
				r.worker = j.AttemptedBy[n-1]
			}
			out = append(out, r)
		}
		if len(res.Jobs) < 1000 {
			return out, nil
		}
		params = params.After(res.LastCursor)
	}
}

// cancelAttempted: River was asked to cancel the job (metadata
// cancel_attempted_at, which River's own rescuer honours).
func cancelAttempted(j *rivertype.JobRow) bool {
	var m struct {
		At string `json:"cancel_attempted_at"`
	}
	_ = json.Unmarshal(j.Metadata, &m)
	return m.At != ""
}

func (q *riverQueue[TTx]) replace(ctx context.Context, jobID int64) (bool, error) {
	j, err := q.client.JobGet(ctx, jobID)
	if errors.Is(err, river.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if j.State != rivertype.JobStateRunning || j.Kind != (StepArgs{}).Kind() || cancelAttempted(j) {
		return false, nil
	}
	var args StepArgs
	if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
		return false, err
	}
	// The copy first: a worker stopped between the two leaves a dead job
	// that River's rescuer retries later (and that finds its step done),
	// never an account with no job at all. The copy stays in the job's
	// queue: a step of a PC's account stays that PC's.
	args.Try++
	if args.Try < j.MaxAttempts {
		if err := q.insert(ctx, args, j.Queue, j.MaxAttempts); err != nil {
			return false, err
		}
	}
	if _, err := q.client.JobCancel(ctx, jobID); err != nil && !errors.Is(err, river.ErrNotFound) {
		return false, err
	}
	if args.Try >= j.MaxAttempts {
		return true, errWorkersDied
	}
	return true, nil
}

// errWorkersDied: every worker that took the step died in it (killed, out
// of memory): the account needs a person, not another worker to kill.
var errWorkersDied = errors.New("every worker that ran this step stopped answering in it; look at the workers' logs before running it again")

func newRiverQueue[TTx any](driver riverdriver.Driver[TTx], cfg *river.Config) (queue, error) {
	c, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, err
	}
	return &riverQueue[TTx]{client: c}, nil
}

// queueConfig is River's configuration for this desk. workers nil makes
// an insert-only client (desk add, rerun). queues are the queues the
// client works, n steps at once from each.
func (d *Desk) queueConfig(workers *river.Workers, n int, id string, queues []string, logger *slog.Logger) *river.Config {
	cfg := &river.Config{
		Logger:                      logger,
		MaxAttempts:                 d.Config.MaxAttempts,
		RetryPolicy:                 backoff{base: time.Duration(d.Config.RetryBaseSeconds) * time.Second},
		CompletedJobRetentionPeriod: -1, // the board and the rerun read what was done
		DiscardedJobRetentionPeriod: -1,
		CancelledJobRetentionPeriod: -1,
		FetchCooldown:               50 * time.Millisecond,
		FetchPollInterval:           250 * time.Millisecond,
		JobTimeout:                  -1, // a backup takes as long as the account needs
		RescueStuckJobsAfter:        time.Duration(d.Config.RescueAfterSeconds) * time.Second,
		ID:                          id,
	}
	if workers != nil {
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{}
		for _, name := range queues {
			cfg.Queues[name] = river.QueueConfig{MaxWorkers: n}
		}
	}
	return cfg
}

func (d *Desk) newQueue(cfg *river.Config) (queue, error) {
	var q queue
	var err error
	if d.pg != nil {
		q, err = newRiverQueue(riverpgxv5.New(d.pg), cfg)
	} else {
		q, err = newRiverQueue(riversqlite.New(d.db), cfg)
	}
	if err != nil {
		return nil, mailerr.New(mailerr.BadInput, "start queue", d.Dir, err)
	}
	return q, nil
}

// migrateRiver creates or updates River's own tables.
func migrateRiver(ctx context.Context, d *Desk) error {
	var err error
	if d.pg != nil {
		err = migrateWith(ctx, riverpgxv5.New(d.pg))
	} else {
		err = migrateWith(ctx, riversqlite.New(d.db))
	}
	if err != nil {
		return d.dbErr("create queue", err)
	}
	return nil
}

func migrateWith[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// backoff waits base, 2×base, 4×base… (at most an hour) before a failed
// step is tried again.
type backoff struct{ base time.Duration }

func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := b.base
	for i := 1; i < job.Attempt && d < time.Hour; i++ {
		d *= 2
	}
	return time.Now().Add(min(d, time.Hour))
}
