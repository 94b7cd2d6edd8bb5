package desk

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// rescueDead gives the steps of workers that stopped answering (killed,
// powered off, cut from the network) to the other workers at once. A
// running step renews its account's claim every LeaseSeconds/3; a step
// that began more than LeaseSeconds ago, never finished and whose claim
// has expired belongs to a dead worker. Its River job is made available
// again (River's own rescuer would do the same, but only after
// RescueAfterSeconds and on its 30-second round), and the next worker
// resumes the step from the archive's state.
func (d *Desk) rescueDead(ctx context.Context) (int, error) {
	now := nowMillis()
	ttl := int64(d.Config.LeaseSeconds) * 1000
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT s.worker, s.started_at FROM desk_steps s
		WHERE s.finished_at = 0 AND s.started_at < ?
		  AND NOT EXISTS (SELECT 1 FROM desk_leases l WHERE l.holder = s.worker AND l.expires_at >= ?)`), now-ttl, now)
	if err != nil {
		return 0, d.dbErr("read queue", err)
	}
	type dead struct {
		holder  string
		started int64
	}
	var list []dead
	for rows.Next() {
		var x dead
		if err := rows.Scan(&x.holder, &x.started); err != nil {
			rows.Close()
			return 0, d.dbErr("read queue", err)
		}
		list = append(list, x)
	}
	rows.Close()
	nowExpr := "datetime('now', 'subsec')"
	if d.dialect == postgres {
		nowExpr = "now()"
	}
	n := 0
	for _, x := range list {
		i := strings.LastIndexByte(x.holder, '#')
		id, err := strconv.ParseInt(x.holder[i+1:], 10, 64)
		if i < 0 || err != nil {
			continue
		}
		res, err := d.exec(ctx, `UPDATE river_job SET state = 'available', scheduled_at = `+nowExpr+` WHERE id = ? AND state = 'running' AND kind = ?`,
			id, StepArgs{}.Kind())
		if err != nil {
			return n, err
		}
		if k, _ := res.RowsAffected(); k == 1 {
			n++
		}
		if _, err := d.exec(ctx, `UPDATE desk_steps SET finished_at = ?, outcome = ? WHERE worker = ? AND started_at = ? AND finished_at = 0`,
			nowMillis(), "the worker stopped answering; the step was given to another worker", x.holder, x.started); err != nil {
			return n, err
		}
	}
	return n, nil
}

// rescueLoop runs rescueDead every LeaseSeconds/2 until ctx ends.
func (d *Desk) rescueLoop(ctx context.Context) {
	t := time.NewTicker(time.Duration(d.Config.LeaseSeconds) * time.Second / 2)
	defer t.Stop()
	for {
		_, _ = d.rescueDead(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
