package app

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
)

// ticked lists the step labels of the step bar that carry a tick.
func ticked(u *ui) map[string]bool {
	out := map[string]bool{}
	row := u.stepBar().(*fyne.Container)
	tick := false
	for _, o := range row.Objects {
		switch w := o.(type) {
		case *widget.Icon:
			tick = w.Resource != nil && w.Resource.Name() == theme.ConfirmIcon().Name()
		case *widget.Label:
			out[w.Text] = tick
			tick = false
		case *widget.Button:
			out[w.Text] = tick
			tick = false
		}
	}
	return out
}

// Issue 18: migrating after a stopped backup showed ticks for Backup,
// Contacts and Safe to remove. A step is ticked when it is done.
func TestStepBarTicksOnlyWhatIsDone(t *testing.T) {
	f := newFakes()
	u := newTestUI(t, f)
	u.step = stepMigrate
	u.backup.sum = &backup.Summary{Failures: []archive.Failure{{FolderName: "INBOX", UID: 7}}}
	u.backup.err = context.Canceled
	got := ticked(u)
	name := func(i int) string { return tr(stepKeys[i], map[string]any{"N": i + 1}) }
	for i, want := range []bool{true, true, true, false, false, false} {
		if got[name(i)] != want {
			t.Errorf("after a stopped backup, step %q ticked = %v, want %v (%v)", name(i), got[name(i)], want, got)
		}
	}
	u.backup.sum, u.backup.err = &backup.Summary{New: 3}, nil
	u.contacts.exported = &addressbook.ExportRecord{Contacts: 2}
	u.verify.verdict = &allGreen
	got = ticked(u)
	for i := stepAccount; i <= stepVerify; i++ {
		if !got[name(i)] {
			t.Errorf("step %q not ticked once done (%v)", name(i), got)
		}
	}
}

// Each red reason of the gate has the button that fixes it.
func TestGateReasonsHaveTheirActions(t *testing.T) {
	f := newFakes()
	f.gate.verdict = GateVerdict{Conditions: []GateCondition{
		{ID: "verified", Reason: "mbox damaged", Action: ActionRepair},
		{ID: "no-failures", Reason: "2 failed", Action: ActionBackup},
		{ID: "contacts-exported", Reason: "never exported", Action: ActionContacts},
		{ID: "mail-app-stores", Reason: "Your old mail is only on this computer, in Thunderbird", Action: ActionImport},
	}}
	u := newTestUI(t, f)
	typeAccount(t, u, "hanako@gmail.com", "pw")
	test.Tap(u.account.nextBtn)
	u.waitBackground()
	u.goTo(stepVerify)
	u.waitBackground()
	buttons := map[string]*widget.Button{}
	walkObjects(u.win.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok {
			buttons[b.Text] = b
		}
	})
	for _, key := range []string{"button.repair", "button.back-up-again", "button.export-contacts", "button.import-stores"} {
		if buttons[tr(key)] == nil {
			t.Fatalf("no %q button beside its red reason: %q", tr(key), texts(u.win.Canvas()))
		}
	}
	verified := f.gate.verified
	test.Tap(buttons[tr("button.repair")])
	u.waitBackground()
	if f.gate.repaired != 1 || f.gate.verified != verified+1 {
		t.Errorf("Repair: repaired %d, verified %d times; want a repair and a new check", f.gate.repaired, f.gate.verified-verified)
	}
	verified = f.gate.verified
	test.Tap(buttons[tr("button.import-stores")])
	u.waitBackground()
	if f.gate.imported != 1 || f.gate.verified != verified+1 {
		t.Errorf("Copy the mail app's mail: imported %d, verified %d times; want an import and a new check", f.gate.imported, f.gate.verified-verified)
	}
	test.Tap(buttons[tr("button.export-contacts")])
	if u.step != stepContacts {
		t.Errorf("Export contacts went to step %d", u.step)
	}
}

// The engine's words decide the action: a damaged archive file is
// repaired, mail missing from the archive is backed up again.
func TestActionForCondition(t *testing.T) {
	tests := []struct {
		c    gate.Condition
		want string
	}{
		{gate.Condition{ID: gate.CondVerified, OK: true}, ""},
		{gate.Condition{ID: gate.CondVerified, Code: "never"}, ActionVerify},
		{gate.Condition{ID: gate.CondVerified, Details: []gate.Discrepancy{{Kind: gate.MboxMessageDiffers}}}, ActionRepair},
		{gate.Condition{ID: gate.CondVerified, Details: []gate.Discrepancy{{Kind: gate.MessageMissing}}}, ActionBackup},
		{gate.Condition{ID: gate.CondArchiveUnchanged, Details: []gate.Discrepancy{{Kind: gate.ArchiveFileChanged}}}, ActionRepair},
		{gate.Condition{ID: gate.CondArchiveUnchanged, Code: "backup-since"}, ActionVerify},
		{gate.Condition{ID: gate.CondNoFailures}, ActionBackup},
		{gate.Condition{ID: gate.CondServerUnchanged}, ActionBackup},
		{gate.Condition{ID: gate.CondContactsExported}, ActionContacts},
		{gate.Condition{ID: gate.CondStores, Code: "only-here"}, ActionImport},
		{gate.Condition{ID: gate.CondStores, OK: true}, ""},
	}
	for _, tt := range tests {
		if got := actionFor(tt.c); got != tt.want {
			t.Errorf("actionFor(%s %s %v) = %q, want %q", tt.c.ID, tt.c.Code, tt.c.Details, got, tt.want)
		}
	}
}
