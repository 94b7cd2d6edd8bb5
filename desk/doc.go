// Package desk is support-desk mode: many customers' accounts worked from
// one queue, on one PC or many, with a live board and a report per
// customer.
//
// A desk is a folder (DIR) shared by the desk's PCs: DIR/desk.json holds
// its settings, DIR/customers/<customer>/ each customer's archive, removal
// report (HTML + JSON) and contacts export. The queue is River
// (github.com/riverqueue/river): in PostgreSQL for a desk of several PCs,
// or in DIR/queue.sqlite (River's SQLite driver) for one PC. The same job
// code runs on both.
//
// Each account goes through the steps of the window — survey, backup,
// verify, contacts export, (migrate, check,) report — each one a River job
// (StepArgs) unique per customer, round and step. A step only drives the
// engine packages (backup, gate, addressbook, migrate) through their
// public APIs; every step can run again from the archive's own state, so
// a worker killed mid-step loses nothing: once its claim lapses, River's
// client queues a copy of its job (the next Try) and cancels the dead one
// (rescue.go), and the next worker's engine resumes.
//
// Besides River's tables the queue holds the desk's own: desk_accounts
// (what the board shows), desk_leases (an account is claimed by one step
// of one worker at a time, renewed while it runs, so that a step rescued
// while its first worker still runs waits instead of running twice, and
// every archive write a step commits first renews the claim
// (archive.WithFence), so a run that lost it writes nothing more — the
// archive's lock is not the only guard), desk_slots (at most N
// connections per server host across every worker) and desk_steps (which
// worker ran which step when).
//
// Archives live in the desk folder (Config.Archives "shared", the
// default) or on the workers' PCs ("per-worker", archives.go): there an
// account's first backup pins it to its PC (desk_archives, with the
// archive's path), every later step goes to that PC's own River queue
// (pc-<name>), which only that PC's workers work (besides the shared
// queue of first steps), a stray step is sent on there, and a PC whose
// workers have all stopped (desk_pcs heartbeats) leaves its accounts
// waiting, on the "needs a person" list with the reason in words.
// Reports, contacts and the summary stay in the desk folder.
//
// Passwords never enter the queue: the CSV names a secret, and each worker
// reads the secrets from its own private file (plain NAME=password lines,
// or age-encrypted) into memory.
package desk
