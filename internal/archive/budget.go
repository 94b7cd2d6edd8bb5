package archive

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
)

// Daily byte budgets (a provider's per-day download or upload allowance)
// are counted in meta, one key per account, direction and UTC day:
// budget:<key>:<day> = bytes. Separate runs on the archive share them; keys
// of days before the one written are dropped as a new day starts. (The
// methods make *Archive an internal/limits Ledger.)

func budgetKey(key, day string) string { return "budget:" + key + ":" + day }

// DailyUsed is the bytes recorded for key on day.
func (a *Archive) DailyUsed(ctx context.Context, key, day string) (int64, error) {
	var v string
	err := a.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, budgetKey(key, day)).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, classifyDB("read archive", a.dir, err)
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return n, nil
}

// ReserveDaily records up to n more bytes for key on day, never past
// limit, in one transaction, and returns how many it recorded.
func (a *Archive) ReserveDaily(ctx context.Context, key, day string, n, limit int64) (int64, error) {
	if n <= 0 {
		return 0, nil
	}
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, classifyDB("write archive", a.dir, err)
	}
	defer tx.Rollback()
	k := budgetKey(key, day)
	var v string
	var used int64
	switch err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, k).Scan(&v); {
	case errors.Is(err, sql.ErrNoRows):
		// A new day: the older days' counts are of no more use.
		if _, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key > ? AND key < ?`,
			"budget:"+key+":", k); err != nil {
			return 0, classifyDB("write archive", a.dir, err)
		}
	case err != nil:
		return 0, classifyDB("read archive", a.dir, err)
	default:
		used, _ = strconv.ParseInt(v, 10, 64)
	}
	got := min(n, max(limit-used, 0))
	if got == 0 {
		return 0, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, k, strconv.FormatInt(used+got, 10)); err != nil {
		return 0, classifyDB("write archive", a.dir, err)
	}
	return got, classifyDB("write archive", a.dir, tx.Commit())
}

// RefundDaily gives back n bytes reserved for key on day and not used.
func (a *Archive) RefundDaily(ctx context.Context, key, day string, n int64) error {
	if n <= 0 {
		return nil
	}
	_, err := a.db.ExecContext(ctx, `UPDATE meta SET value = CAST(MAX(CAST(value AS INTEGER) - ?, 0) AS TEXT) WHERE key = ?`,
		n, budgetKey(key, day))
	return classifyDB("write archive", a.dir, err)
}
