package gate_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/retry"
)

// A backup stopped part way says how much of the old account the archive
// holds (the folders it never reached included), and only a verification
// after a finished backup makes the archive the whole account.
func TestCoverage(t *testing.T) {
	e := newEnv(t)
	const total = 615 // the demo account
	coverage := func(step string) gate.Coverage {
		t.Helper()
		cv, err := gate.ArchiveCoverage(context.Background(), e.dir)
		if err != nil {
			t.Fatalf("%s: ArchiveCoverage() = %v", step, err)
		}
		return cv
	}

	// Stop the first backup after 100 messages.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.step()
	_, err := backup.Run(ctx, backup.Options{Conn: e.conn, ArchiveDir: e.dir, Policy: retry.Policy{Now: e.clk.Now},
		Progress: func(ev progress.Event) {
			if ev.Done >= 100 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("backup.Run() stopped = %v, want context.Canceled", err)
	}
	cv := coverage("stopped")
	if cv.Complete || cv.Code != "backup-unfinished" || cv.LastBackup != archive.RunCancelled {
		t.Errorf("stopped: Coverage = complete %v code %q backup %q, want incomplete backup-unfinished cancelled", cv.Complete, cv.Code, cv.LastBackup)
	}
	if !cv.OnServerKnown || cv.OnServer != total || cv.Archived < 100 || cv.Archived >= total {
		t.Errorf("stopped: Coverage holds %d of %d (known %v), want 100..614 of %d", cv.Archived, cv.OnServer, cv.OnServerKnown, total)
	}
	if len(cv.Short) == 0 {
		t.Errorf("stopped: no folder listed as short")
	}
	for lang, want := range map[gate.Lang]string{gate.English: "stopped before it finished", gate.Japanese: "途中で止まりました"} {
		if s := cv.Text(lang); !strings.Contains(s, "615") || !strings.Contains(s, want) {
			t.Errorf("stopped: Text(%s) = %q, want the total and %q", lang, s, want)
		}
	}

	e.backup()
	if cv := coverage("finished"); cv.Complete || cv.Code != "never-verified" || cv.OnServer != total || cv.Archived != total {
		t.Errorf("finished, not verified: Coverage = %+v, want never-verified, %d of %d", cv, total, total)
	}
	if res := e.verify(false); !res.OK() {
		t.Fatalf("Verify() = %v", res.Problems)
	}
	cv = coverage("verified")
	if !cv.Complete || cv.Code != "complete" || cv.Archived != total || len(cv.Short) != 0 {
		t.Errorf("verified: Coverage = %+v, want complete", cv)
	}
	if s := cv.Text(gate.English); !strings.Contains(s, "all 615") {
		t.Errorf("verified: Text = %q, want all 615", s)
	}
	// A backup after the verification makes it unverified again.
	e.clk.Advance(time.Minute)
	e.backup()
	if cv := coverage("backup since"); cv.Complete || cv.Code != "verify-again" {
		t.Errorf("backup since: Coverage = complete %v code %q, want verify-again", cv.Complete, cv.Code)
	}
}
