package desk

import (
	"context"
	"log/slog"
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
// file. River keeps at most one such job per customer, round and step.
type StepArgs struct {
	Customer string `json:"customer" river:"unique"`
	Round    int    `json:"round" river:"unique"`
	Step     string `json:"step" river:"unique"`
}

// Kind is the River job kind.
func (StepArgs) Kind() string { return "mailark_desk_step" }

// InsertOpts makes the job unique per customer, round and step, in every
// state (a finished step is not queued again for the same round).
func (StepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: river.QueueDefault, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// queue is River's client on either driver: the job code above it is the
// same for PostgreSQL and SQLite.
type queue interface {
	insert(ctx context.Context, args StepArgs, maxAttempts int) error
	start(ctx context.Context) error
	stop(ctx context.Context) error
	// busy reports whether any job is waiting, scheduled, retrying or
	// running.
	busy(ctx context.Context) (bool, error)
}

type riverQueue[TTx any] struct {
	client *river.Client[TTx]
}

func (q *riverQueue[TTx]) insert(ctx context.Context, args StepArgs, maxAttempts int) error {
	opts := args.InsertOpts()
	opts.MaxAttempts = maxAttempts
	_, err := q.client.Insert(ctx, args, &opts)
	return err
}

func (q *riverQueue[TTx]) start(ctx context.Context) error { return q.client.Start(ctx) }
func (q *riverQueue[TTx]) stop(ctx context.Context) error  { return q.client.Stop(ctx) }

func (q *riverQueue[TTx]) busy(ctx context.Context) (bool, error) {
	res, err := q.client.JobList(ctx, river.NewJobListParams().States(rivertype.JobStateAvailable, rivertype.JobStatePending,
		rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled).First(1))
	if err != nil {
		return false, err
	}
	return len(res.Jobs) > 0, nil
}

func newRiverQueue[TTx any](driver riverdriver.Driver[TTx], cfg *river.Config) (queue, error) {
	c, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, err
	}
	return &riverQueue[TTx]{client: c}, nil
}

// queueConfig is River's configuration for this desk. workers nil makes
// an insert-only client (desk add, rerun).
func (d *Desk) queueConfig(workers *river.Workers, n int, id string, logger *slog.Logger) *river.Config {
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
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: n}}
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
