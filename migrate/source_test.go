package migrate_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/testimap"
	"github.com/mailark/mailark/migrate"
)

// A migration from a backup that stopped part way is refused by default,
// and when the user goes on anyway nothing calls it done: the summary, the
// CLI and --check say how much of the old account the archive holds.
func TestCopyRefusesIncompleteBackup(t *testing.T) {
	d := testimap.StartDovecot(t, testimap.DovecotUser{Name: copyOldUser, Password: copyPass},
		testimap.DovecotUser{Name: copyNewUser, Password: copyPass})
	total := 0
	for _, f := range copyFolders {
		msgs := make([]testimap.SeedMessage, f.n)
		for i := range msgs {
			msgs[i] = copyMessage(f.name, i+1)
		}
		d.Seed(t, copyOldUser, f.name, msgs)
		total += f.n
	}
	oldConn, newConn := copyConn(d, copyOldUser), copyConn(d, copyNewUser)
	dir := filepath.Join(t.TempDir(), "archive")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := backup.Run(ctx, backup.Options{Conn: oldConn, ArchiveDir: dir, Progress: func(ev progress.Event) {
		if ev.Done >= 20 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("backup.Run() = %v, want it stopped", err)
	}

	sum, err := migrate.Copy(context.Background(), copyOpts(dir, newConn))
	if !errors.Is(err, migrate.ErrIncompleteSource) {
		t.Fatalf("Copy() from a stopped backup = %v, want ErrIncompleteSource", err)
	}
	if sum.Copied != 0 || sum.Source.Complete || sum.Source.OnServer != int64(total) {
		t.Errorf("refused Copy() = copied %d, source %+v; want nothing copied, %d on the server", sum.Copied, sum.Source, total)
	}
	if n := copyCount(t, dir, `SELECT count(*) FROM copies`); n != 0 {
		t.Errorf("refused Copy() recorded %d copies", n)
	}
	to := copyCLIConn(d.Host, d.PlainPort, copyNewUser)
	code, _, stderr := copyCLI(t, append([]string{"migrate", "--archive", dir}, to...)...)
	if code != cli.ExitGateClosed || !strings.Contains(stderr, "--from-incomplete-backup") ||
		!strings.Contains(stderr, "stopped before it finished") || !strings.Contains(stderr, " of the 70 message(s)") {
		t.Errorf("migrate from a stopped backup: exit %d, stderr %q; want %d naming --from-incomplete-backup and 'of the 70'", code, stderr, cli.ExitGateClosed)
	}

	// Going on anyway copies what the archive holds, and says what it is.
	code, stdout, stderr := copyCLI(t, append([]string{"migrate", "--archive", dir, "--from-incomplete-backup"}, to...)...)
	if code != cli.ExitFailures || !strings.Contains(stdout, " of the 70 message(s) the old account had") ||
		!strings.Contains(stderr, "not the whole old account") {
		t.Errorf("migrate --from-incomplete-backup: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, cli.ExitFailures, stdout, stderr)
	}
	code, stdout, _ = copyCLI(t, append([]string{"migrate", "--check", "--archive", dir}, to...)...)
	if code != cli.ExitFailures || !strings.Contains(stdout, " of the 70 message(s)") {
		t.Errorf("migrate --check after a stopped backup: exit %d, want %d\n%s", code, cli.ExitFailures, stdout)
	}
	if code, _, stderr := copyCLI(t, append([]string{"migrate", "--check", "--from-incomplete-backup", "--archive", dir}, to...)...); code != cli.ExitOK {
		t.Errorf("migrate --check --from-incomplete-backup: exit %d, want 0: %s", code, stderr)
	}

	// Backed up again, still not verified: refused.
	if _, err := backup.Run(context.Background(), backup.Options{Conn: oldConn, ArchiveDir: dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Copy(context.Background(), copyOpts(dir, newConn)); !errors.Is(err, migrate.ErrIncompleteSource) {
		t.Errorf("Copy() from a backup never verified = %v, want ErrIncompleteSource", err)
	}
	verifyArchive(t, oldConn, dir)
	sum, err = migrate.Copy(context.Background(), copyOpts(dir, newConn))
	if err != nil || !sum.Whole() || !sum.Source.Complete {
		t.Fatalf("Copy() after backup and verify = %v, whole %v, source %+v", err, sum.Whole(), sum.Source)
	}
	code, stdout, _ = copyCLI(t, append([]string{"migrate", "--check", "--archive", dir}, to...)...)
	if code != cli.ExitOK || !strings.Contains(stdout, "all 70 message(s) of the old account") {
		t.Errorf("migrate --check after a verified copy: exit %d\n%s", code, stdout)
	}
}
