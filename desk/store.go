package desk

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/mailark/mailark/internal/mailerr"
)

type dialect int

const (
	sqlite dialect = iota
	postgres
)

// q rewrites ? placeholders for the dialect.
func (d *Desk) q(query string) string {
	if d.dialect != postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (d *Desk) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := d.db.ExecContext(ctx, d.q(query), args...)
	if err != nil {
		return nil, d.dbErr("write queue", err)
	}
	return res, nil
}

func (d *Desk) dbErr(op string, err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	return mailerr.New(mailerr.ArchiveBroken, op, "desk queue", err)
}

// The desk's own tables, beside River's: what the board shows, the
// accounts' claims, the per-host connection slots and the step records.
var deskTables = []string{
	`CREATE TABLE IF NOT EXISTS desk_accounts (
		customer TEXT PRIMARY KEY,
		account TEXT NOT NULL,
		round INTEGER NOT NULL DEFAULT 0,
		state TEXT NOT NULL,
		step TEXT NOT NULL,
		done_msgs BIGINT NOT NULL DEFAULT 0,
		total_msgs BIGINT NOT NULL DEFAULT 0,
		done_bytes BIGINT NOT NULL DEFAULT 0,
		total_bytes BIGINT NOT NULL DEFAULT 0,
		rate DOUBLE PRECISION NOT NULL DEFAULT 0,
		eta_seconds BIGINT NOT NULL DEFAULT 0,
		worker TEXT NOT NULL DEFAULT '',
		attempt INTEGER NOT NULL DEFAULT 0,
		error_kind TEXT NOT NULL DEFAULT '',
		error_text TEXT NOT NULL DEFAULT '',
		gate TEXT NOT NULL DEFAULT '',
		gate_reasons TEXT NOT NULL DEFAULT '',
		messages BIGINT NOT NULL DEFAULT 0,
		updated_at BIGINT NOT NULL DEFAULT 0,
		finished_at BIGINT NOT NULL DEFAULT 0)`,
	`CREATE TABLE IF NOT EXISTS desk_leases (
		customer TEXT PRIMARY KEY,
		holder TEXT NOT NULL,
		expires_at BIGINT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS desk_slots (
		host TEXT NOT NULL,
		slot INTEGER NOT NULL,
		holder TEXT NOT NULL,
		expires_at BIGINT NOT NULL,
		PRIMARY KEY (host, slot))`,
	`CREATE TABLE IF NOT EXISTS desk_budget (
		key TEXT NOT NULL,
		day TEXT NOT NULL,
		bytes BIGINT NOT NULL,
		PRIMARY KEY(key, day))`,
	`CREATE TABLE IF NOT EXISTS desk_workers (
		id TEXT PRIMARY KEY,
		expires_at BIGINT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS desk_steps (
		customer TEXT NOT NULL,
		round INTEGER NOT NULL,
		step TEXT NOT NULL,
		worker TEXT NOT NULL,
		started_at BIGINT NOT NULL,
		finished_at BIGINT NOT NULL DEFAULT 0,
		outcome TEXT NOT NULL DEFAULT '')`,
	// Per-worker archives: the PC holding each account's archive, and the
	// worker processes of each PC that are alive.
	`CREATE TABLE IF NOT EXISTS desk_archives (
		customer TEXT PRIMARY KEY,
		pc TEXT NOT NULL,
		path TEXT NOT NULL,
		pinned_at BIGINT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS desk_pcs (
		worker TEXT PRIMARY KEY,
		pc TEXT NOT NULL,
		archive_root TEXT NOT NULL,
		expires_at BIGINT NOT NULL)`,
}

func (d *Desk) migrate(ctx context.Context) error {
	if err := migrateRiver(ctx, d); err != nil {
		return err
	}
	for _, t := range deskTables {
		if _, err := d.exec(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// Account states on the board.
const (
	StateQueued    = "queued"
	StateWorking   = "working"
	StateRetrying  = "retrying"
	StateWaiting   = "budget" // the provider's daily budget is used up: goes on when it renews
	StateDone      = "done"
	StateAttention = "attention" // needs a person
)

// Status is one account's line on the board.
type Status struct {
	Customer    string   `json:"customer"`
	Account     Account  `json:"-"`
	OldUser     string   `json:"old_user"`
	OldHost     string   `json:"old_host"`
	NewUser     string   `json:"new_user,omitempty"`
	Deadline    string   `json:"deadline,omitempty"`
	Round       int      `json:"round"`
	State       string   `json:"state"`
	Step        string   `json:"step"`
	DoneMsgs    int64    `json:"done_messages"`
	TotalMsgs   int64    `json:"total_messages"`
	DoneBytes   int64    `json:"done_bytes"`
	TotalBytes  int64    `json:"total_bytes"`
	Rate        float64  `json:"rate_bytes_per_second"`
	ETASeconds  int64    `json:"eta_seconds"`
	Worker      string   `json:"worker,omitempty"`
	Attempt     int      `json:"attempt"`
	ErrorKind   string   `json:"error_kind,omitempty"`
	ErrorText   string   `json:"error_text,omitempty"`
	Gate        string   `json:"gate,omitempty"` // "open", "closed" or "" (not yet)
	GateReasons []Reason `json:"gate_reasons,omitempty"`
	Messages    int64    `json:"archived_messages"`
	UpdatedAt   int64    `json:"updated_at_ms"`
	FinishedAt  int64    `json:"finished_at_ms,omitempty"`
	// ArchivePC and ArchivePath: on a desk with per-worker archives, the
	// PC that holds the account's archive and the folder there ("" until
	// the backup starts). PCStopped: every worker process of that PC has
	// stopped, so the account's steps wait for it.
	ArchivePC   string `json:"archive_pc,omitempty"`
	ArchivePath string `json:"archive_path,omitempty"`
	PCStopped   bool   `json:"archive_pc_stopped,omitempty"`
}

// WaitsForPC reports whether the account has steps queued that only its
// archive's PC can run, and that PC has stopped: it needs a person to
// start that PC's worker again. (A finished round, done or needing a
// person for its own reason, waits for nothing.)
func (s Status) WaitsForPC() bool {
	return s.PCStopped && s.State != StateDone && s.State != StateAttention
}

// NeedsPerson reports whether the account is on the "needs a person" list.
func (s Status) NeedsPerson() bool { return s.State == StateAttention || s.WaitsForPC() }

// Progress is the account's progress in the current step, 0..1.
func (s Status) Progress() float64 {
	if s.State == StateDone {
		return 1
	}
	if s.TotalBytes > 0 {
		return min(1, float64(s.DoneBytes)/float64(s.TotalBytes))
	}
	if s.TotalMsgs > 0 {
		return min(1, float64(s.DoneMsgs)/float64(s.TotalMsgs))
	}
	return 0
}

// Accounts lists every account of the desk, by customer.
func (d *Desk) Accounts(ctx context.Context) ([]Status, error) {
	return d.accounts(ctx, "")
}

// AccountStatus returns one customer's status.
func (d *Desk) AccountStatus(ctx context.Context, customer string) (Status, bool, error) {
	list, err := d.accounts(ctx, customer)
	if err != nil || len(list) == 0 {
		return Status{}, false, err
	}
	return list[0], true, nil
}

func (d *Desk) accounts(ctx context.Context, customer string) ([]Status, error) {
	q := `SELECT a.customer, a.account, a.round, a.state, a.step, a.done_msgs, a.total_msgs, a.done_bytes, a.total_bytes, a.rate, a.eta_seconds,
		a.worker, a.attempt, a.error_kind, a.error_text, a.gate, a.gate_reasons, a.messages, a.updated_at, a.finished_at,
		COALESCE(x.pc, ''), COALESCE(x.path, ''),
		CASE WHEN x.pc IS NULL OR EXISTS (SELECT 1 FROM desk_pcs p WHERE p.pc = x.pc AND p.expires_at >= ?) THEN 0 ELSE 1 END
		FROM desk_accounts a LEFT JOIN desk_archives x ON x.customer = a.customer`
	args := []any{nowMillis()}
	if customer != "" {
		q += ` WHERE a.customer = ?`
		args = append(args, customer)
	}
	rows, err := d.db.QueryContext(ctx, d.q(q+` ORDER BY a.customer`), args...)
	if err != nil {
		return nil, d.dbErr("read queue", err)
	}
	defer rows.Close()
	var out []Status
	for rows.Next() {
		var s Status
		var acct, reasons string
		var stopped int
		if err := rows.Scan(&s.Customer, &acct, &s.Round, &s.State, &s.Step, &s.DoneMsgs, &s.TotalMsgs, &s.DoneBytes, &s.TotalBytes,
			&s.Rate, &s.ETASeconds, &s.Worker, &s.Attempt, &s.ErrorKind, &s.ErrorText, &s.Gate, &reasons, &s.Messages, &s.UpdatedAt, &s.FinishedAt,
			&s.ArchivePC, &s.ArchivePath, &stopped); err != nil {
			return nil, d.dbErr("read queue", err)
		}
		s.PCStopped = stopped == 1
		_ = json.Unmarshal([]byte(acct), &s.Account)
		if reasons != "" {
			_ = json.Unmarshal([]byte(reasons), &s.GateReasons)
		}
		s.OldUser, s.OldHost, s.NewUser, s.Deadline = s.Account.Old.User, s.Account.Old.Host, s.Account.New.User, s.Account.Deadline
		out = append(out, s)
	}
	return out, d.dbErr("read queue", rows.Err())
}

// update sets columns of one account's row.
func (d *Desk) update(ctx context.Context, customer string, cols map[string]any) error {
	var sets []string
	var args []any
	for k, v := range cols {
		sets = append(sets, k+" = ?")
		args = append(args, v)
	}
	sets = append(sets, "updated_at = ?")
	args = append(args, nowMillis(), customer)
	_, err := d.exec(ctx, `UPDATE desk_accounts SET `+strings.Join(sets, ", ")+` WHERE customer = ?`, args...)
	return err
}

// StepRecord is one run of one step on one worker.
type StepRecord struct {
	Customer   string
	Round      int
	Step       string
	Worker     string
	StartedAt  int64
	FinishedAt int64 // 0: the worker never said (killed)
	Outcome    string
}

// StepRecords lists every step run of the desk, oldest first.
func (d *Desk) StepRecords(ctx context.Context) ([]StepRecord, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT customer, round, step, worker, started_at, finished_at, outcome FROM desk_steps ORDER BY started_at`)
	if err != nil {
		return nil, d.dbErr("read queue", err)
	}
	defer rows.Close()
	var out []StepRecord
	for rows.Next() {
		var r StepRecord
		if err := rows.Scan(&r.Customer, &r.Round, &r.Step, &r.Worker, &r.StartedAt, &r.FinishedAt, &r.Outcome); err != nil {
			return nil, d.dbErr("read queue", err)
		}
		out = append(out, r)
	}
	return out, d.dbErr("read queue", rows.Err())
}
