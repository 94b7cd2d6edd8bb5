package desk

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// rescueDead gives the steps of workers that stopped answering (killed,
// powered off, cut from the network) to the other workers at once. A
// running step renews its account's claim every LeaseSeconds/3; a step
// that began more than LeaseSeconds ago, never finished and whose claim
// has expired belongs to a dead worker. River's client replaces its job
// (queue.replace: a copy queued, the dead one cancelled), and the next
// worker resumes the step from the archive's state. River's own rescuer
// would retry the job too, but only after RescueAfterSeconds and on its
// 30-second round, and it cannot tell a dead worker from a long backup.
func (d *Desk) rescueDead(ctx context.Context, q queue) (int, error) {
	now := nowMillis()
	ttl := int64(d.Config.LeaseSeconds) * 1000
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT s.customer, s.worker, s.started_at FROM desk_steps s
		WHERE s.finished_at = 0 AND s.started_at < ?
		  AND NOT EXISTS (SELECT 1 FROM desk_leases l WHERE l.holder = s.worker AND l.expires_at >= ?)`), now-ttl, now)
	if err != nil {
		return 0, d.dbErr("read queue", err)
	}
	type dead struct {
		customer, holder string
		started          int64
	}
	var list []dead
	for rows.Next() {
		var x dead
		if err := rows.Scan(&x.customer, &x.holder, &x.started); err != nil {
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
		outcome := "the worker stopped answering; the step was given to another worker"
		if _, err := q.replace(ctx, id); errors.Is(err, errWorkersDied) {
			outcome = errWorkersDied.Error()
			_ = d.update(ctx, x.customer, map[string]any{"state": StateAttention, "worker": "", "error_kind": "worker-died",
				"error_text": errWorkersDied.Error(), "finished_at": nowMillis()})
		} else if err != nil {
			return n, d.dbErr("rescue step", err)
		}
		n++
		if _, err := d.exec(ctx, `UPDATE desk_steps SET finished_at = ?, outcome = ? WHERE worker = ? AND started_at = ? AND finished_at = 0`,
			nowMillis(), outcome, x.holder, x.started); err != nil {
			return n, err
		}
	}
	return n, nil
}

// rescueOrphans replaces the running jobs whose worker process is gone
// (its heartbeat in desk_workers lapsed): a worker killed after River gave
// it a job but before the step claimed its account.
func (d *Desk) rescueOrphans(ctx context.Context, q queue) (int, error) {
	jobs, err := q.running(ctx)
	if err != nil {
		return 0, d.dbErr("read queue", err)
	}
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
		if _, err := q.replace(ctx, j.id); err != nil && !errors.Is(err, errWorkersDied) {
			return n, d.dbErr("rescue step", err)
		}
		n++
	}
	return n, nil
}

// heartbeat says this worker process is alive, for twice the lease.
func (d *Desk) heartbeat(ctx context.Context, id string) error {
	_, err := d.exec(ctx, `INSERT INTO desk_workers(id, expires_at) VALUES(?, ?) ON CONFLICT(id) DO UPDATE SET expires_at = excluded.expires_at`,
		id, nowMillis()+2*int64(d.Config.LeaseSeconds)*1000)
	return err
}

// rescueLoop keeps this worker's heartbeat (and its PC's, on a desk with
// per-worker archives) and runs the rescues every LeaseSeconds/2 until ctx
// ends.
func (d *Desk) rescueLoop(ctx context.Context, id, pc, root string, q queue) {
	t := time.NewTicker(time.Duration(d.Config.LeaseSeconds) * time.Second / 2)
	defer t.Stop()
	for {
		if !stalled(id) {
			_ = d.heartbeat(ctx, id)
			if pc != "" {
				_ = d.pcHeartbeat(ctx, id, pc, root)
			}
			_, _ = d.rescueDead(ctx, q)
			_, _ = d.rescueOrphans(ctx, q)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
