//go:build unix

package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/archive"
)

// BenchmarkBatchAddBulk writes 2,000 messages as a backup does (a bulk
// archive with its rollback journal, the index left for later, 250 a
// batch) and reports the process's CPU time. Its variants weigh the
// per-row triggers that bump meta.content_version on every INSERT into
// messages and message_chunks (schemaV4):
//
//   - schema: as the archive is.
//   - no-insert-triggers: those two triggers dropped. Not a safe archive
//     (an INSERT OR REPLACE with sqlite3 would go unseen): the most a sound
//     change could gain.
//   - insert-triggers-when: the triggers fire only when no Mailark batch
//     is marked as writing (WHEN on a meta row), so the writer's rows
//     update nothing (with temp-store-memory too).
//   - temp-store-memory: the statement journals in memory, not in a file.
//
// Measured on the shared 2 cores (CPU ms per 2,000 messages, 4 runs):
// schema 407-449, no-insert-triggers 291-331, insert-triggers-when with
// temp-store-memory 397-430, temp-store-memory 409-442. A table with a
// trigger makes each INSERT a statement that writes more than one row, so
// SQLite keeps a statement journal for it (with foreign keys on, even
// INSERT OR ROLLBACK does, with the guards' RAISE(ROLLBACK) and
// defer_foreign_keys too: the keys are not DEFERRABLE) and copies every
// page the statement touches
// into it, 64 KiB each; a WHEN clause is tested per row, after that. Only a
// statement with no trigger saves the copies, and SQL has no way to leave
// a connection's INSERTs out of a trigger that the sqlite3 shell's must
// fire (sqlite3_db_config's ENABLE_TRIGGER is not exposed by the driver).
//
// Since schema version 8 a batch keeps no statement journal all the same
// (BeginBatch): it writes with foreign keys off, its INSERTs are OR FAIL
// and the guards RAISE(FAIL), so that no statement may abort alone.
func BenchmarkBatchAddBulk(b *testing.B) {
	for _, v := range []string{"schema", "no-insert-triggers", "insert-triggers-when", "temp-store-memory"} {
		b.Run(v, func(b *testing.B) { benchBulk(b, v) })
	}
}

func benchBulk(b *testing.B, variant string) {
	msgs, total := benchMailbox(2000, "Lorem ipsum dolor sit amet, consectetur.\r\n")
	b.SetBytes(total)
	onNewArchives(b, func(a *archive.Archive) { setVariant(b, a, variant) }, func(a *archive.Archive) {
		writeBatches(b, a, msgs, func(uid uint32, m []byte) *archive.Entry {
			return &archive.Entry{UID: uid, InternalDate: time.Unix(1_700_000_000, 0), Size: int64(len(m)),
				SHA256: sha256.Sum256(m), Body: bytes.NewReader(m), Subject: "Lorem", From: "a@example.com",
				IndexLater: true}
		})
	}, nil)
}

// onNewArchives runs run b.N times, each time on a new bulk archive that
// prepare made ready, and reports run's CPU time; after, when set, looks
// at the archive after run (untimed).
func onNewArchives(b *testing.B, prepare, run, after func(a *archive.Archive)) {
	ctx := context.Background()
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		a, err := archive.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprint(i)), archive.Options{Bulk: true})
		if err != nil {
			b.Fatal(err)
		}
		prepare(a)
		b.StartTimer()
		c0 := cpuTime()
		run(a)
		cpu += cpuTime() - c0
		b.StopTimer()
		if after != nil {
			after(a)
		}
		a.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
}

func setVariant(b *testing.B, a *archive.Archive, variant string) {
	ctx := context.Background()
	var stmts []string
	switch variant {
	case "no-insert-triggers":
		stmts = []string{`DROP TRIGGER messages_inserted`, `DROP TRIGGER message_chunks_inserted`}
	case "insert-triggers-when":
		for _, t := range []string{"messages", "message_chunks"} {
			stmts = append(stmts, `DROP TRIGGER `+t+`_inserted`, `CREATE TRIGGER `+t+`_inserted AFTER INSERT ON `+t+`
				WHEN (SELECT value FROM meta WHERE key = 'writing') IS NULL BEGIN
				UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END`)
		}
		stmts = append(stmts, `INSERT INTO meta(key, value) VALUES('writing', '1')`)
	}
	for _, q := range stmts {
		if _, err := archive.DB(a).ExecContext(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	if variant == "temp-store-memory" || variant == "insert-triggers-when" {
		// On both connections of the writer's pool.
		c1, err := archive.DB(a).Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer c1.Close()
		c2, err := archive.DB(a).Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer c2.Close()
		for _, c := range []interface {
			ExecContext(context.Context, string, ...any) (sql.Result, error)
		}{c1, c2} {
			if _, err := c.ExecContext(ctx, `PRAGMA temp_store = MEMORY`); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// cpuTime is the process's user and system time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
