package app

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

var allGreen = GateVerdict{Open: true, Conditions: []GateCondition{
	cond("verified", true, "Verified: 3 messages on the server are archived whole.", "照合済み：サーバー上の 3 通はすべて保存されています。"),
	cond("no-failures", true, "No message failed during backup.", "バックアップ中に失敗したメールはありません。"),
	cond("contacts-exported", true, "Contacts exported after the last backup.", "最後のバックアップの後に連絡先を書き出しました。"),
}}

func closedVerdict() GateVerdict {
	return GateVerdict{Conditions: []GateCondition{
		allGreen.Conditions[0],
		cond("no-failures", false, "2 messages failed during backup: retry.", "バックアップ中に 2 通が失敗しました。"),
		cond("contacts-exported", false, "The address book was never exported.", "連絡先がまだ書き出されていません。"),
	}}
}

func TestRemoveDisabledUntilAllGreen(t *testing.T) {
	f := newFakes()
	f.gate.verdict = closedVerdict()
	u := newTestUI(t, f)
	connectRemembering(t, u, "hanako@gmail.com", "pw")
	u.goTo(stepVerify)
	u.waitBackground()
	if f.gate.verified != 1 {
		t.Errorf("verified %d times on entering, want 1", f.gate.verified)
	}
	if !u.verify.removeBtn.Disabled() {
		t.Fatal("Remove account is enabled with red conditions")
	}
	all := texts(u.win.Canvas())
	for _, want := range []string{"2 messages failed during backup: retry.", "The address book was never exported.", tr("verify.closed")} {
		if !contains(all, want) {
			t.Errorf("missing %q in %q", want, all)
		}
	}
	u.switchLanguage("ja")
	if !contains(texts(u.win.Canvas()), "連絡先がまだ書き出されていません。") {
		t.Error("the conditions did not follow the language switch")
	}
	u.switchLanguage("en")
	u.verify.remove() // not even directly
	u.waitBackground()
	if u.verify.removed || f.gate.removed != 0 {
		t.Fatal("removed through a closed gate")
	}

	f.gate.verdict = allGreen
	test.Tap(u.verify.checkBtn)
	u.waitBackground()
	if u.verify.removeBtn.Disabled() {
		t.Fatal("Remove account still disabled with every condition green")
	}
	if !contains(texts(u.win.Canvas()), tr("verify.open")) {
		t.Error("the open verdict is not shown")
	}
	test.Tap(u.verify.removeBtn) // asks first
	if len(u.win.Canvas().Overlays().List()) == 0 {
		t.Fatal("no confirmation before removing")
	}
	u.verify.remove()
	u.waitBackground()
	if u.step != stepDone || !u.verify.removed || f.gate.removed != 1 {
		t.Fatalf("after remove: step %d, removed %d", u.step, f.gate.removed)
	}
	if _, ok := u.store.Account("hanako@gmail.com"); ok {
		t.Error("the profile is still saved")
	}
	if _, err := u.store.Password("hanako@gmail.com"); err == nil {
		t.Error("the password is still in the keyring")
	}
}

// atGate is a window on step 6 for hanako@gmail.com, whose gate answers
// verdict.
func atGate(t *testing.T, verdict GateVerdict) (*ui, *fakes) {
	f := newFakes()
	f.gate.verdict = verdict
	u := newTestUI(t, f)
	u.acct.Email = "hanako@gmail.com"
	u.goTo(stepVerify)
	u.waitBackground()
	return u, f
}

func TestSaveReport(t *testing.T) {
	u, f := atGate(t, closedVerdict())
	if u.verify.reportBtn.Disabled() {
		t.Fatal("Save report disabled")
	}
	u.switchLanguage("ja")
	u.verify.saveReport("/tmp/x/report.html")
	u.waitBackground()
	if f.gate.report != "/tmp/x/report.html ja" {
		t.Errorf("report written as %q", f.gate.report)
	}
	if u.verify.status.label.Text != tr("verify.report-saved", map[string]any{"Path": "/tmp/x/report.html"}) {
		t.Errorf("status = %q", u.verify.status.label.Text)
	}
}

// The window shows the gate's answer: every line green but the gate closed
// (for a reason the window does not know) keeps removal disabled.
func TestGateDecidesNotTheWindow(t *testing.T) {
	closed := allGreen
	closed.Open = false
	u, _ := atGate(t, closed)
	if !u.verify.removeBtn.Disabled() || u.verify.open() {
		t.Fatal("Remove account is enabled though the gate said closed")
	}
	if !contains(texts(u.win.Canvas()), tr("verify.closed")) {
		t.Error("the closed verdict is not shown")
	}
}
