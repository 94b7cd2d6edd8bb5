package desk

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"

	"github.com/mailark/mailark/internal/limits"
	"github.com/mailark/mailark/internal/mailerr"
)

// The providers' daily byte budgets (Gmail: 2,500 MB down, 500 MB up per
// account) are counted in the queue database, so that every worker of the
// desk, on any PC, takes from the same count: two workers on one account
// (the backup, then the verification or a rerun on another PC with its own
// archive) never exceed it together. The desk's limits are the built-in
// table and DIR/limits.json when there is one. *Desk is an internal/limits
// Ledger.

// LimitsFile is the desk's providers' limits file in the desk folder.
const LimitsFile = "limits.json"

// limits is the table in force for the desk's steps.
func (d *Desk) limits() (*limits.Table, error) {
	p := filepath.Join(d.Dir, LimitsFile)
	t, err := limits.LoadOptional(p)
	if err != nil {
		return nil, mailerr.New(mailerr.BadInput, "read limits", p, err)
	}
	return t, nil
}

// DailyUsed is the bytes the desk's workers recorded for key on day.
func (d *Desk) DailyUsed(ctx context.Context, key, day string) (int64, error) {
	var n int64
	err := d.db.QueryRowContext(ctx, d.q(`SELECT bytes FROM desk_budget WHERE key = ? AND day = ?`), key, day).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, d.dbErr("read queue", err)
}

// ReserveDaily records up to n more bytes for key on day, never past
// limit. Each statement is a compare-and-set, so two workers on two PCs
// cannot both take the last bytes.
func (d *Desk) ReserveDaily(ctx context.Context, key, day string, n, limit int64) (int64, error) {
	if n <= 0 {
		return 0, nil
	}
	if _, err := d.exec(ctx, `INSERT INTO desk_budget(key, day, bytes) VALUES(?, ?, 0) ON CONFLICT DO NOTHING`, key, day); err != nil {
		return 0, err
	}
	for range 50 {
		res, err := d.exec(ctx, `UPDATE desk_budget SET bytes = bytes + ? WHERE key = ? AND day = ? AND bytes + ? <= ?`, n, key, day, n, limit)
		if err != nil {
			return 0, err
		}
		if k, _ := res.RowsAffected(); k == 1 {
			return n, nil
		}
		used, err := d.DailyUsed(ctx, key, day)
		if err != nil {
			return 0, err
		}
		if used >= limit {
			return 0, nil
		}
		res, err = d.exec(ctx, `UPDATE desk_budget SET bytes = ? WHERE key = ? AND day = ? AND bytes = ?`, limit, key, day, used)
		if err != nil {
			return 0, err
		}
		if k, _ := res.RowsAffected(); k == 1 {
			return limit - used, nil
		}
		// Another worker took some meanwhile: look again.
	}
	return 0, nil
}

// RefundDaily gives back n bytes reserved for key on day and not used.
func (d *Desk) RefundDaily(ctx context.Context, key, day string, n int64) error {
	if n <= 0 {
		return nil
	}
	_, err := d.exec(ctx, `UPDATE desk_budget SET bytes = CASE WHEN bytes > ? THEN bytes - ? ELSE 0 END WHERE key = ? AND day = ?`,
		n, n, key, day)
	return err
}
