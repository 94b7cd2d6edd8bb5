package desk

import (
	"context"
	"database/sql"
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
	n := 0
	for _, x := range list {
		i := strings.LastIndexByte(x.holder, '#')
		id, err := strconv.ParseInt(x.holder[i+1:], 10, 64)
		if i < 0 || err != nil {
			continue
		}
		if err := d.makeAvailable(ctx, id); err != nil {
			return n, err
		}
		n++
		if _, err := d.exec(ctx, `UPDATE desk_steps SET finished_at = ?, outcome = ? WHERE worker = ? AND started_at = ? AND finished_at = 0`,
			nowMillis(), "the worker stopped answering; the step was given to another worker", x.holder, x.started); err != nil {
			return n, err
		}
	}
	return n, nil
}

// rescueOrphans makes available again the running jobs whose worker
// process is gone (its heartbeat in desk_workers lapsed): a worker killed
// after River gave it a job but before the step claimed its account.
func (d *Desk) rescueOrphans(ctx context.Context) (int, error) {
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT id, CAST(attempted_by AS TEXT) FROM river_job WHERE state = 'running' AND kind = ?`), StepArgs{}.Kind())
	if err != nil {
		return 0, d.dbErr("read queue", err)
	}
	type job struct {
		id     int64
		worker string
	}
	var jobs []job
	for rows.Next() {
		var j job
		var by sql.NullString
		if err := rows.Scan(&j.id, &by); err != nil {
			rows.Close()
			return 0, d.dbErr("read queue", err)
		}
		// PostgreSQL: {a,b}; SQLite: ["a","b"]. The last is the worker now.
		list := strings.Split(strings.Trim(by.String, "{}[]"), ",")
		j.worker = strings.Trim(list[len(list)-1], `" `)
		jobs = append(jobs, j)
	}
	rows.Close()
	n := 0
	for _, j := range jobs {
		if j.worker == "" {
			continue
		}
		var alive int
		if err := d.db.QueryRowContext(ctx, d.q(`SELECT count(*) FROM desk_workers WHERE id = ? AND expires_at >= ?`), j.worker, nowMillis()).Scan(&alive); err != nil {
			return n, d.dbErr("read queue", err)
		}
		if alive > 0 {
			continue
		}
		if err := d.makeAvailable(ctx, j.id); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (d *Desk) makeAvailable(ctx context.Context, id int64) error {
	nowExpr := "datetime('now', 'subsec')"
	if d.dialect == postgres {
		nowExpr = "now()"
	}
	_, err := d.exec(ctx, `UPDATE river_job SET state = 'available', scheduled_at = `+nowExpr+` WHERE id = ? AND state = 'running' AND kind = ?`,
		id, StepArgs{}.Kind())
	return err
}

// heartbeat says this worker process is alive, for twice the lease.
func (d *Desk) heartbeat(ctx context.Context, id string) error {
	_, err := d.exec(ctx, `INSERT INTO desk_workers(id, expires_at) VALUES(?, ?) ON CONFLICT(id) DO UPDATE SET expires_at = excluded.expires_at`,
		id, nowMillis()+2*int64(d.Config.LeaseSeconds)*1000)
	return err
}

// rescueLoop keeps this worker's heartbeat and runs the rescues every
// LeaseSeconds/2 until ctx ends.
func (d *Desk) rescueLoop(ctx context.Context, id string) {
	t := time.NewTicker(time.Duration(d.Config.LeaseSeconds) * time.Second / 2)
	defer t.Stop()
	for {
		_ = d.heartbeat(ctx, id)
		_, _ = d.rescueDead(ctx)
		_, _ = d.rescueOrphans(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
