package gate

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/internal/archive"
)

// The five conditions of the removal gate, each from what the archive
// recorded and, for the server, from a live look.

func condVerified(ctx context.Context, a *archive.Archive, last *archive.Verification) (Condition, error) {
	c := Condition{ID: CondVerified}
	if last == nil {
		return c.notMet("never", "The archive has never been verified against the server: run mailark verify."), nil
	}
	c.Data = map[string]string{"at": last.FinishedAt, "verified": strconv.FormatInt(last.Verified, 10),
		"deep": strconv.FormatBool(last.Deep), "count": strconv.FormatInt(last.Problems, 10)}
	if last.Problems > 0 {
		ds, err := a.Discrepancies(ctx, last.ID, maxDetails)
		if err != nil {
			return c, err
		}
		c.Code = "problems"
		for _, d := range ds {
			if d.Blocking {
				c.Details = append(c.Details, fromArchive(d))
			}
		}
		example := ""
		if len(c.Details) > 0 {
			example = ", for example: " + c.Details[0].Detail
		}
		c.Reason = fmt.Sprintf("The last verification (%s) found %d problem(s)%s.", last.FinishedAt, last.Problems, example)
		for _, d := range c.Details {
			if d.Kind.InArchive() {
				// The archive's own files disagree with what it committed:
				// the other copy mends them (mailark repair), and nothing
				// else will.
				c.Code = "damaged"
				c.Reason = fmt.Sprintf("The last verification (%s) found %d problem(s), some in the archive's own files (%s). "+
					"Run mailark repair, then mailark verify.", last.FinishedAt, last.Problems, d.Detail)
				break
			}
		}
		return c, nil
	}
	c.OK = true
	c.Reason = fmt.Sprintf("Verified on %s: %d message(s) on the server are archived whole.", last.FinishedAt, last.Verified)
	return c, nil
}

// notMet is c, not met for the reason code names and reason says.
func (c Condition) notMet(code, reason string) Condition {
	c.Code, c.Reason = code, reason
	return c
}

func fromArchive(d archive.Discrepancy) Discrepancy {
	return Discrepancy{Kind: Kind(d.Kind), Folder: d.Folder, UID: d.UID, Want: d.Want, Got: d.Got,
		Blocking: d.Blocking, Detail: d.Detail}
}

func condNoFailures(ctx context.Context, a *archive.Archive, lastRun *archive.Run) (Condition, error) {
	c := Condition{ID: CondNoFailures}
	if lastRun == nil {
		return c.notMet("never-backed-up", "No backup has been made into this archive: run mailark backup."), nil
	}
	fs, err := a.OpenFailures(ctx)
	if err != nil {
		return c, err
	}
	if len(fs) > 0 {
		c.Code = "failures"
		c.Data = map[string]string{"count": strconv.Itoa(len(fs))}
		for _, f := range fs[:min(len(fs), maxDetails)] {
			c.Details = append(c.Details, Discrepancy{Kind: MessageFailed, Folder: f.FolderName, UID: f.UID, Got: f.Reason,
				Blocking: true, Detail: fmt.Sprintf("%s uid %d: %s", f.FolderName, f.UID, f.Reason)})
		}
		c.Reason = fmt.Sprintf("%d message(s) could not be saved by the backup, for example %s. Run mailark backup again.",
			len(fs), c.Details[0].Detail)
		return c, nil
	}
	c.OK = true
	c.Reason = "Every message the backup tried to save was saved."
	return c, nil
}

func condArchiveUnchanged(ctx context.Context, a *archive.Archive, last *archive.Verification, vfs []archive.VerificationFolder, lastRun *archive.Run) (Condition, error) {
	c := Condition{ID: CondArchiveUnchanged}
	if last == nil {
		return c.notMet("not-verified", "There is nothing to compare the archive with: it has not been verified."), nil
	}
	if lastRun != nil && lastRun.ID > last.BackupRunID {
		c.Code = "backup-since"
		c.Data = map[string]string{"at": lastRun.StartedAt, "verified_at": last.FinishedAt}
		c.Reason = fmt.Sprintf("A backup ran (%s) after the last verification (%s): run mailark verify again.", lastRun.StartedAt, last.FinishedAt)
		return c, nil
	}
	var found []Discrepancy
	cv, err := a.ContentVersion(ctx)
	if err != nil {
		return c, err
	}
	if cv != last.ContentVersion {
		found = append(found, Discrepancy{Kind: ArchiveRowsChanged, Want: strconv.FormatInt(last.ContentVersion, 10),
			Got: strconv.FormatInt(cv, 10), Blocking: true,
			Detail: "archived messages were changed or deleted in the database after the verification"})
	}
	gens, err := a.Folders(ctx)
	if err != nil {
		return c, err
	}
	byID := map[int64]*archive.Folder{}
	for _, g := range gens {
		byID[g.ID] = g
	}
	counts, err := a.MessageCounts(ctx)
	if err != nil {
		return c, err
	}
	for _, vf := range vfs {
		if vf.FolderID == 0 {
			continue
		}
		g := byID[vf.FolderID]
		if g == nil {
			found = append(found, Discrepancy{Kind: ArchiveRowsChanged, Folder: vf.Name, Want: strconv.FormatInt(vf.Archived, 10), Got: "0",
				Blocking: true, Detail: fmt.Sprintf("%s: the archived folder is gone from the database", vf.Name)})
			continue
		}
		var size, mtime int64
		if st, err := os.Stat(a.Path(g.MboxPath)); err == nil {
			size, mtime = st.Size(), st.ModTime().UnixNano()
		}
		if size != vf.MboxSize || mtime != vf.MboxMTime {
			found = append(found, Discrepancy{Kind: ArchiveFileChanged, Folder: vf.Name, Want: strconv.FormatInt(vf.MboxSize, 10),
				Got: strconv.FormatInt(size, 10), Blocking: true,
				Detail: fmt.Sprintf("%s: the mbox file %s changed after the verification (%d bytes then, %d now)", vf.Name, g.MboxPath, vf.MboxSize, size)})
		}
		if counts[vf.FolderID] != vf.Archived {
			found = append(found, Discrepancy{Kind: ArchiveRowsChanged, Folder: vf.Name, Want: strconv.FormatInt(vf.Archived, 10),
				Got: strconv.FormatInt(counts[vf.FolderID], 10), Blocking: true,
				Detail: fmt.Sprintf("%s: the database holds %d messages, the verification read %d", vf.Name, counts[vf.FolderID], vf.Archived)})
		}
	}
	if len(found) > 0 {
		c.Code = "changed"
		c.Data = map[string]string{"count": strconv.Itoa(len(found)), "verified_at": last.FinishedAt}
		c.Details = found[:min(len(found), maxDetails)]
		c.Reason = fmt.Sprintf("The archive changed after the last verification (%s): %s. Run mailark verify again.", last.FinishedAt, found[0].Detail)
		return c, nil
	}
	c.OK = true
	c.Reason = "The archive is as the last verification read it."
	return c, nil
}

func condServerUnchanged(ctx context.Context, a *archive.Archive, last *archive.Verification, vfs []archive.VerificationFolder, live func() ([]folderStatus, error)) (Condition, error) {
	c := Condition{ID: CondServerUnchanged}
	if last == nil {
		return c.notMet("not-verified", "The server cannot be compared with a verification: the archive has not been verified."), nil
	}
	if live == nil {
		return offlineServer(ctx, a, last)
	}
	statuses, err := live()
	if err != nil {
		c.Code = "unreachable"
		c.Data = map[string]string{"error": err.Error()}
		c.Reason = fmt.Sprintf("The server could not be checked: %v.", err)
		return c, err
	}
	seen := map[string]bool{}
	byName := map[string]archive.VerificationFolder{}
	for _, vf := range vfs {
		if vf.OnServer {
			byName[vf.Name] = vf
		}
	}
	popIDs, err := popFolderIDs(ctx, a)
	if err != nil {
		return c, err
	}
	var found []Discrepancy
	askedIMAP, askedPOP := false, false
	for _, s := range statuses {
		seen[s.name] = true
		vf, ok := byName[s.name]
		if s.pop != nil {
			askedPOP = true
			if !ok {
				found = append(found, Discrepancy{Kind: ServerNotChecked, Folder: s.name, Blocking: true,
					Detail: fmt.Sprintf("%s: the last verification did not check this POP3 mailbox: run mailark verify --protocol pop3", s.name)})
				continue
			}
			ds, err := popChanged(ctx, a, s, vf)
			if err != nil {
				return c, err
			}
			found = append(found, ds...)
			continue
		}
		askedIMAP = true
		switch {
		case !ok:
			found = append(found, Discrepancy{Kind: ServerFolderAdded, Folder: s.name, Got: strconv.FormatUint(uint64(s.messages), 10), Blocking: true,
				Detail: fmt.Sprintf("%s: a folder that was not there when the archive was verified (%d messages)", s.name, s.messages)})
		case s.uidValidity != vf.ServerUIDValidity:
			found = append(found, Discrepancy{Kind: ServerNewUIDValid, Folder: s.name, Want: strconv.FormatUint(uint64(vf.ServerUIDValidity), 10),
				Got: strconv.FormatUint(uint64(s.uidValidity), 10), Blocking: true,
				Detail: fmt.Sprintf("%s: UIDVALIDITY changed from %d to %d", s.name, vf.ServerUIDValidity, s.uidValidity)})
		case s.uidNext != vf.ServerUIDNext:
			found = append(found, Discrepancy{Kind: ServerNewMail, Folder: s.name, Want: strconv.FormatUint(uint64(vf.ServerUIDNext), 10),
				Got: strconv.FormatUint(uint64(s.uidNext), 10), Blocking: true,
				Detail: fmt.Sprintf("%s: new mail arrived (UIDNEXT %d, was %d)", s.name, s.uidNext, vf.ServerUIDNext)})
		case s.messages != vf.ServerMessages:
			found = append(found, Discrepancy{Kind: ServerMailRemoved, Folder: s.name, Want: strconv.FormatUint(uint64(vf.ServerMessages), 10),
				Got: strconv.FormatUint(uint64(s.messages), 10), Blocking: true,
				Detail: fmt.Sprintf("%s: %d messages now, %d when verified", s.name, s.messages, vf.ServerMessages)})
		}
	}
	for _, vf := range vfs {
		if vf.OnServer && !seen[vf.Name] && (popIDs[vf.FolderID] && !askedPOP || !popIDs[vf.FolderID] && !askedIMAP) {
			// Verified over the other protocol: this look did not ask.
			found = append(found, Discrepancy{Kind: ServerNotChecked, Folder: vf.Name, Blocking: true,
				Detail: fmt.Sprintf("%s: verified from a server this check did not ask (POP3 and IMAP are checked apart): check it with the protocol it was verified with", vf.Name)})
			continue
		}
		if vf.OnServer && !seen[vf.Name] {
			found = append(found, Discrepancy{Kind: ServerFolderGone, Folder: vf.Name, Want: strconv.FormatUint(uint64(vf.ServerMessages), 10), Blocking: true,
				Detail: fmt.Sprintf("%s: no longer on the server (deleted or renamed)", vf.Name)})
		}
	}
	c.Data = map[string]string{"verified_at": last.FinishedAt}
	if len(found) > 0 {
		c.Code = "changed"
		c.Data["count"] = strconv.Itoa(len(found))
		c.Details = found[:min(len(found), maxDetails)]
		var parts []string
		for _, d := range c.Details[:min(len(c.Details), 3)] {
			parts = append(parts, d.Detail)
		}
		c.Reason = fmt.Sprintf("The server changed after the last verification (%s): %s. Run mailark backup and mailark verify again.",
			last.FinishedAt, strings.Join(parts, "; "))
		return c, nil
	}
	c.OK = true
	c.Reason = fmt.Sprintf("Nothing changed on the server since the last verification (%s).", last.FinishedAt)
	return c, nil
}

// offlineServer takes the server condition from the last live check made
// since the last verification.
func offlineServer(ctx context.Context, a *archive.Archive, last *archive.Verification) (Condition, error) {
	c := Condition{ID: CondServerUnchanged}
	g, err := a.LastLiveGateCheck(ctx)
	if err != nil {
		return c, err
	}
	if g != nil && g.VerificationID == last.ID {
		var old Verdict
		if err := json.Unmarshal([]byte(g.Verdict), &old); err == nil {
			if sc, ok := old.Condition(CondServerUnchanged); ok {
				if sc.Data == nil {
					sc.Data = map[string]string{}
				}
				sc.Data["checked_at"] = g.At
				sc.Reason += fmt.Sprintf(" (server checked %s; not asked again for this verdict)", g.At)
				return sc, nil
			}
		}
	}
	c.Code = "not-checked"
	c.Data = map[string]string{"verified_at": last.FinishedAt}
	c.Reason = "The server has not been checked since the last verification: run mailark verify (or give the connection flags)."
	return c, nil
}

func condContacts(ctx context.Context, a *archive.Archive, lastRun *archive.Run) (Condition, error) {
	c := Condition{ID: CondContactsExported}
	exp, ok, err := addressbook.LastExport(ctx, a)
	if err != nil {
		return c, dbError(err)
	}
	if !ok {
		return c.notMet("never", "The address book has never been exported: run mailark contacts export."), nil
	}
	c.Data = map[string]string{"at": stamp(exp.At), "path": exp.Path, "format": string(exp.Format),
		"contacts": strconv.Itoa(exp.Contacts), "sha256": exp.SHA256}
	if lastRun != nil {
		backupAt := lastRun.FinishedAt
		if backupAt == "" {
			backupAt = lastRun.StartedAt
		}
		if t, err := time.Parse(time.RFC3339, backupAt); err == nil && exp.At.Before(t) {
			c.Code = "before-backup"
			c.Data["backup_at"] = backupAt
			c.Reason = fmt.Sprintf("The address book was exported (%s) before the last backup (%s): export it again.", stamp(exp.At), backupAt)
			return c, nil
		}
	}
	c.OK = true
	c.Reason = fmt.Sprintf("The address book was exported on %s: %d contact(s) in %s.", stamp(exp.At), exp.Contacts, exp.Path)
	return c, nil
}
