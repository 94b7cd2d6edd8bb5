package desk

import (
	"context"
	"strings"
	"time"
)

// claim takes key (an account, or one connection slot of a host) for
// holder until ttl from now: it succeeds when the key is free, expired or
// already the holder's. It is one statement on the queue database, so two
// workers on two PCs cannot both win.
func (d *Desk) claim(ctx context.Context, table, where string, keyArgs []any, holder string, ttl time.Duration) (bool, error) {
	now := nowMillis()
	exp := now + ttl.Milliseconds()
	args := append([]any{holder, exp}, keyArgs...)
	args = append(args, holder, now)
	res, err := d.exec(ctx, `UPDATE `+table+` SET holder = ?, expires_at = ? WHERE `+where+` AND (holder = ? OR expires_at < ?)`, args...)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	cols := "customer"
	if table == "desk_slots" {
		cols = "host, slot"
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(keyArgs)), ", ")
	res, err = d.exec(ctx, `INSERT INTO `+table+`(`+cols+`, holder, expires_at) VALUES(`+marks+`, ?, ?) ON CONFLICT DO NOTHING`,
		append(append([]any{}, keyArgs...), holder, exp)...)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// renew extends every claim of holder; it reports whether the account
// claim is still held.
func (d *Desk) renew(ctx context.Context, customer, holder string, ttl time.Duration) (bool, error) {
	exp := nowMillis() + ttl.Milliseconds()
	if _, err := d.exec(ctx, `UPDATE desk_slots SET expires_at = ? WHERE holder = ?`, exp, holder); err != nil {
		return false, err
	}
	res, err := d.exec(ctx, `UPDATE desk_leases SET expires_at = ? WHERE customer = ? AND holder = ?`, exp, customer, holder)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func (d *Desk) claimAccount(ctx context.Context, customer, holder string, ttl time.Duration) (bool, error) {
	return d.claim(ctx, "desk_leases", "customer = ?", []any{customer}, holder, ttl)
}

func (d *Desk) releaseAccount(customer, holder string) {
	_, _ = d.exec(context.Background(), `DELETE FROM desk_leases WHERE customer = ? AND holder = ?`, customer, holder)
}

// claimHost takes one of the host's connection slots for holder.
func (d *Desk) claimHost(ctx context.Context, host, holder string, ttl time.Duration) (bool, error) {
	host = strings.ToLower(host)
	for slot := range d.Config.ConnectionsFor(host) {
		ok, err := d.claim(ctx, "desk_slots", "host = ? AND slot = ?", []any{host, slot}, holder, ttl)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

func (d *Desk) releaseHosts(holder string) {
	_, _ = d.exec(context.Background(), `DELETE FROM desk_slots WHERE holder = ?`, holder)
}
