package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/mailark/mailark/internal/mailerr"
)

// Steps is the order of an account's steps in a round: the first round
// surveys the account first; a rerun (--delta) starts at the backup. The
// migration steps are left out for an account with no new_* columns.
func Steps(a Account, round int) []string {
	var s []string
	if round == 0 {
		s = append(s, StepSurvey)
	}
	s = append(s, StepBackup, StepVerify, StepContacts)
	if a.Migrates() {
		s = append(s, StepMigrate, StepCheck)
	}
	return append(s, StepReport)
}

// The steps.
const (
	StepSurvey   = "survey"
	StepBackup   = "backup"
	StepVerify   = "verify"
	StepContacts = "contacts"
	StepMigrate  = "migrate"
	StepCheck    = "check"
	StepReport   = "report"
)

// Add puts accounts on the desk and queues each one's first step. A
// customer already on the desk is refused with its line; nothing is added
// unless every account is new.
func (d *Desk) Add(ctx context.Context, accts []Account) (int, error) {
	existing, err := d.Accounts(ctx)
	if err != nil {
		return 0, err
	}
	have := map[string]bool{}
	for _, s := range existing {
		have[s.Customer] = true
	}
	var bad []RowError
	for _, a := range accts {
		if have[a.Customer] {
			bad = append(bad, RowError{Line: a.Line, Reason: fmt.Sprintf("customer %q is already on the desk", a.Customer)})
		}
	}
	if len(bad) > 0 {
		return 0, mailerr.New(mailerr.BadInput, "add accounts", d.Dir, &CSVError{Path: "the CSV", Rows: bad})
	}
	q, err := d.newQueue(d.queueConfig(nil, 0, "", nil, slog.New(slog.DiscardHandler)))
	if err != nil {
		return 0, err
	}
	for _, a := range accts {
		b, _ := json.Marshal(a)
		first := Steps(a, 0)[0]
		if _, err := d.exec(ctx, `INSERT INTO desk_accounts(customer, account, round, state, step, updated_at) VALUES(?, ?, 0, ?, ?, ?)`,
			a.Customer, string(b), StateQueued, first, nowMillis()); err != nil {
			return 0, err
		}
		// The first step goes to the shared queue, for any PC.
		if err := q.insert(ctx, StepArgs{Customer: a.Customer, Round: 0, Step: first}, river.QueueDefault, d.Config.MaxAttempts); err != nil {
			return 0, d.dbErr("queue", err)
		}
	}
	return len(accts), nil
}

// Rerun queues a new round for every account whose last round has ended
// (done, or needing a person): after the switch-over, mail that arrived at
// the old account since is backed up, verified, exported, copied and
// reported again. Accounts still being worked are left alone and counted.
// On a desk with per-worker archives each round runs on the PC that holds
// the account's archive.
func (d *Desk) Rerun(ctx context.Context) (queued, busy int, err error) {
	list, err := d.Accounts(ctx)
	if err != nil {
		return 0, 0, err
	}
	q, err := d.newQueue(d.queueConfig(nil, 0, "", nil, slog.New(slog.DiscardHandler)))
	if err != nil {
		return 0, 0, err
	}
	for _, s := range list {
		if s.State != StateDone && s.State != StateAttention {
			busy++
			continue
		}
		round := s.Round + 1
		first := Steps(s.Account, round)[0]
		if err := d.update(ctx, s.Customer, map[string]any{"round": round, "state": StateQueued, "step": first,
			"done_msgs": 0, "total_msgs": 0, "done_bytes": 0, "total_bytes": 0, "rate": 0.0, "eta_seconds": 0,
			"error_kind": "", "error_text": "", "gate": "", "gate_reasons": "", "finished_at": 0}); err != nil {
			return queued, busy, err
		}
		queue, err := d.stepQueue(ctx, s.Customer)
		if err != nil {
			return queued, busy, err
		}
		if err := q.insert(ctx, StepArgs{Customer: s.Customer, Round: round, Step: first}, queue, d.Config.MaxAttempts); err != nil {
			return queued, busy, d.dbErr("queue", err)
		}
		queued++
	}
	return queued, busy, nil
}
