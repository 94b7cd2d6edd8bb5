package gate

import (
	"context"
	"strconv"
	"time"

	"github.com/mailark/mailark/internal/archive"
)

// Coverage says how much of the old account an archive holds, from what
// backup and verify recorded; no server is asked. Migration starts from it:
// an archive a backup did not finish, or that was never verified, is not
// the whole old account, and a copy of it must not be called done.
type Coverage struct {
	// Archived counts the messages of the current folder generations.
	Archived int64 `json:"archived"`
	// OnServer is how many messages the old account had when it was last
	// seen (SeenAt): by the last verification when it ran after the last
	// backup, else by the backup. OnServerKnown is false when neither
	// counted every folder.
	OnServer      int64  `json:"on_server"`
	OnServerKnown bool   `json:"on_server_known"`
	SeenAt        string `json:"seen_at,omitempty"`
	// LastBackup is how the last backup ended (archive.RunOK, RunFailures,
	// RunCancelled, RunError, RunRunning for one that was killed); "" when
	// there was none.
	LastBackup   string `json:"last_backup"`
	LastBackupAt string `json:"last_backup_at,omitempty"`
	// VerifiedAt is when the last verification finished ("" never).
	VerifiedAt string `json:"verified_at,omitempty"`
	// Complete: a verification after the last backup found every message
	// of the old account in the archive, no message failed, and the
	// archive has not changed since. Only then is the archive the whole
	// old account.
	Complete bool `json:"complete"`
	// Code says why not (see CoverageText): "complete", "never-backed-up",
	// "backup-unfinished", "failures", "never-verified", "problems",
	// "damaged", "verify-again".
	Code string `json:"code"`
	// Short lists the current folders holding fewer messages than the
	// old account had in them when last seen.
	Short []CoverageFolder `json:"short,omitempty"`
	// Conditions are the gate's conditions about the archive that are not
	// met (verified, no-failures, archive-unchanged).
	Conditions []Condition `json:"conditions,omitempty"`
}

// CoverageFolder is a folder the archive holds only part of.
type CoverageFolder struct {
	Name     string `json:"name"`
	Archived int64  `json:"archived"`
	OnServer int64  `json:"on_server"`
}

// ArchiveCoverage opens the archive in dir read-only and says how much of
// the old account it holds.
func ArchiveCoverage(ctx context.Context, dir string) (Coverage, error) {
	a, err := openArchive(ctx, "read archive", dir, time.Now)
	if err != nil {
		return Coverage{}, err
	}
	defer a.Close()
	return CoverageOf(ctx, a)
}

// CoverageOf says how much of the old account the open archive a holds.
func CoverageOf(ctx context.Context, a *archive.Archive) (Coverage, error) {
	var cv Coverage
	lastRun, err := a.LastRun(ctx, archive.BackupRunKinds...)
	if err != nil {
		return cv, err
	}
	last, err := a.LastVerification(ctx)
	if err != nil {
		return cv, err
	}
	if lastRun != nil {
		cv.LastBackup, cv.LastBackupAt = lastRun.Status, lastRun.StartedAt
	}
	var vfs []archive.VerificationFolder
	if last != nil {
		cv.VerifiedAt = last.FinishedAt
		if vfs, err = a.VerificationFolders(ctx, last.ID); err != nil {
			return cv, err
		}
	}
	conds := []Condition{}
	for _, f := range []func() (Condition, error){
		func() (Condition, error) { return condVerified(ctx, a, last) },
		func() (Condition, error) { return condNoFailures(ctx, a, lastRun) },
		func() (Condition, error) { return condArchiveUnchanged(ctx, a, last, vfs, lastRun) },
	} {
		c, err := f()
		if err != nil {
			return cv, err
		}
		if !c.OK {
			conds = append(conds, c)
		}
	}
	cv.Conditions = conds
	if err := cv.count(ctx, a, last, vfs, lastRun); err != nil {
		return cv, err
	}
	verifiedSince := last != nil && (lastRun == nil || last.BackupRunID >= lastRun.ID)
	switch {
	case lastRun == nil:
		cv.Code = "never-backed-up"
	case !verifiedSince && lastRun.Status != archive.RunOK && lastRun.Status != archive.RunFailures:
		cv.Code = "backup-unfinished"
	case !conds2ok(conds, CondNoFailures):
		cv.Code = "failures"
	case last == nil:
		cv.Code = "never-verified"
	case !verifiedSince:
		cv.Code = "verify-again"
	case !conds2ok(conds, CondVerified):
		cv.Code = "problems"
		for _, c := range conds {
			if c.ID == CondVerified && c.Code == "damaged" {
				cv.Code = "damaged"
			}
		}
	case len(conds) > 0:
		cv.Code = "verify-again"
	default:
		cv.Code, cv.Complete = "complete", true
	}
	return cv, nil
}

func conds2ok(conds []Condition, id string) bool {
	for _, c := range conds {
		if c.ID == id {
			return false
		}
	}
	return true
}

// count fills the message counts: the archive's current generations, and
// the old account's as last seen.
func (cv *Coverage) count(ctx context.Context, a *archive.Archive, last *archive.Verification, vfs []archive.VerificationFolder, lastRun *archive.Run) error {
	gens, err := a.Folders(ctx)
	if err != nil {
		return err
	}
	counts, err := a.MessageCounts(ctx)
	if err != nil {
		return err
	}
	archived := map[string]int64{}
	for _, g := range gens {
		if g.Current {
			archived[g.Name] += counts[g.ID]
			cv.Archived += counts[g.ID]
		}
	}
	seen := map[string]int64{}
	var names []string
	if last != nil && (lastRun == nil || last.BackupRunID >= lastRun.ID) {
		// The verification listed every folder of the old account.
		cv.OnServerKnown, cv.SeenAt = true, last.FinishedAt
		for _, vf := range vfs {
			if vf.OnServer {
				seen[vf.Name] = int64(vf.ServerMessages)
				names = append(names, vf.Name)
			}
		}
	} else {
		// The backup records a folder's count when it plans the folder;
		// every current folder has one once a backup has planned them all.
		cv.OnServerKnown = lastRun != nil
		for _, g := range gens {
			if !g.Current {
				continue
			}
			if g.LastBackupAt == "" {
				cv.OnServerKnown = false
				continue
			}
			seen[g.Name] = int64(g.ServerMessages)
			names = append(names, g.Name)
			if g.LastBackupAt > cv.SeenAt {
				cv.SeenAt = g.LastBackupAt
			}
		}
	}
	for _, n := range names {
		cv.OnServer += seen[n]
		if archived[n] < seen[n] {
			cv.Short = append(cv.Short, CoverageFolder{Name: n, Archived: archived[n], OnServer: seen[n]})
		}
	}
	return nil
}

// Text says the coverage in lang, in one or two sentences: how much of the
// old account the archive holds, why it is not (known to be) all, and what
// to do.
func (cv Coverage) Text(lang Lang) string {
	data := map[string]string{"archived": strconv.FormatInt(cv.Archived, 10),
		"on_server": strconv.FormatInt(cv.OnServer, 10), "seen_at": cv.SeenAt,
		"verified_at": cv.VerifiedAt, "backup_at": cv.LastBackupAt}
	how := "holds.partial"
	switch {
	case cv.Complete:
		how = "holds.all"
	case !cv.OnServerKnown:
		how = "holds.unknown"
	}
	s := fill(lang.pick(coverageText, how), data, lang)
	if !cv.Complete {
		if lang != Japanese {
			s += " "
		}
		s += fill(lang.pick(coverageText, "why."+cv.Code), data, lang)
	}
	return s
}

var coverageText = map[Lang]map[string]string{
	English: {
		"holds.all":             "The archive holds all {archived} message(s) of the old account, verified on {verified_at}.",
		"holds.partial":         "The archive holds {archived} of the {on_server} message(s) the old account had ({seen_at}).",
		"holds.unknown":         "The archive holds {archived} message(s); how many the old account has is not known.",
		"why.never-backed-up":   "No backup has been made into it. Back up the old account first.",
		"why.backup-unfinished": "The last backup ({backup_at}) stopped before it finished. Back up again, then verify.",
		"why.failures":          "Some messages could not be saved by the backup. Back up again, then verify.",
		"why.never-verified":    "It has never been verified against the old account. Verify it first.",
		"why.problems":          "The last verification ({verified_at}) found messages missing or different. Back up again, then verify.",
		"why.verify-again":      "It changed after the last verification. Verify again.",
		"why.damaged":           "The last verification ({verified_at}) found the archive's own files damaged. Repair the archive, then verify.",
	},
	Japanese: {
		"holds.all":             "アーカイブには旧アカウントのメール {archived} 通がすべてあります（{verified_at} に検証済み）。",
		"holds.partial":         "アーカイブにあるのは、旧アカウントにあった {on_server} 通のうち {archived} 通です（{seen_at} 時点）。",
		"holds.unknown":         "アーカイブには {archived} 通あります。旧アカウントに何通あるかは分かっていません。",
		"why.never-backed-up":   "まだバックアップが行われていません。先に旧アカウントをバックアップしてください。",
		"why.backup-unfinished": "最後のバックアップ（{backup_at}）は途中で止まりました。もう一度バックアップしてから検証してください。",
		"why.failures":          "バックアップで保存できなかったメールがあります。もう一度バックアップしてから検証してください。",
		"why.never-verified":    "旧アカウントとの照合（検証）がまだ行われていません。先に検証してください。",
		"why.problems":          "前回の検証（{verified_at}）で、欠けているか異なるメールが見つかりました。もう一度バックアップしてから検証してください。",
		"why.verify-again":      "前回の検証の後にアーカイブが変わりました。もう一度検証してください。",
		"why.damaged":           "前回の検証（{verified_at}）でアーカイブ自身のファイルの損傷が見つかりました。アーカイブを修復してから検証してください。",
	},
}
