package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/migrate"
)

// fakeMigrator plans the demo-like folders, copies by script, and drafts a
// message whose subject depends on the language, as the engine does.
type fakeMigrator struct {
	mu       sync.Mutex
	mapping  []migrate.MappingEntry
	mapErr   error
	mapCalls []MigrateInput
	copies   int
	copy     func(ctx context.Context, call int, in MigrateInput, sink progress.Sink) (migrate.CopySummary, error)
	composed []AnnounceInput
	saved    []AnnounceInput
	saveErr  error
	savedIDs map[string]bool
}

func newFakeMigrator() *fakeMigrator {
	return &fakeMigrator{savedIDs: map[string]bool{}, mapping: []migrate.MappingEntry{
		{Folder: "INBOX", Role: "inbox", Dest: "INBOX", Exists: true, Messages: 2, Bytes: 2000, Current: true},
		{Folder: "Sent Messages", Role: "sent", Dest: "Sent", Exists: true, Messages: 1, Bytes: 1000, Current: true},
		{Folder: "取引先", Dest: "取引先", Messages: 1, Bytes: 1000, Current: true},
		{Folder: "Old", Dest: "Old", Messages: 0, Current: true},
	}}
}

func (f *fakeMigrator) Mapping(ctx context.Context, in MigrateInput) ([]migrate.MappingEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mapCalls = append(f.mapCalls, in)
	return f.mapping, f.mapErr
}

func (f *fakeMigrator) Copy(ctx context.Context, in MigrateInput, sink progress.Sink) (migrate.CopySummary, error) {
	f.mu.Lock()
	f.copies++
	call := f.copies
	f.mu.Unlock()
	if f.copy != nil {
		return f.copy(ctx, call, in, sink)
	}
	return f.summary(0), nil
}

// summary is a finished copy of the planned folders, already of them
// there before.
func (f *fakeMigrator) summary(already int64) migrate.CopySummary {
	sum := migrate.CopySummary{Host: "h", User: "u"}
	for _, e := range f.mapping {
		a := min(already, e.Messages)
		already -= a
		sum.Folders = append(sum.Folders, migrate.CopyFolder{MappingEntry: e, Already: a, Copied: e.Messages - a})
		sum.Messages += e.Messages
		sum.Bytes += e.Bytes
		sum.Already += a
		sum.Copied += e.Messages - a
	}
	return sum
}

func (f *fakeMigrator) draft(in AnnounceInput) migrate.AnnounceResult {
	res := migrate.AnnounceResult{Name: "山田 花子", OldAddress: "demo@old-isp.example", NewAddress: in.NewAddress}
	emails := in.Contacts
	if emails == nil {
		emails = []string{"a@example.jp", "b@example.jp", "c@example.jp"}
	}
	for _, e := range emails {
		res.Recipients = append(res.Recipients, migrate.AnnounceRecipient{Email: e})
	}
	subject := map[string]string{"en": "My email address has changed", "ja": "メールアドレス変更のお知らせ",
		"both": "メールアドレス変更のお知らせ / My email address has changed"}[in.Lang]
	body := "My new address: " + in.NewAddress + "\n"
	if in.Text != "" {
		first, rest, _ := strings.Cut(in.Text, "\n")
		subject, body = strings.TrimPrefix(first, "Subject: "), rest
	}
	for start := 0; start < len(res.Recipients); start += 50 {
		bcc := res.Recipients[start:min(start+50, len(res.Recipients))]
		res.Drafts = append(res.Drafts, migrate.AnnounceDraft{Subject: subject, Body: body, Bcc: bcc,
			MessageID: fmt.Sprintf("%s|%s|%d", subject, body, start)})
	}
	return res
}

func (f *fakeMigrator) Compose(ctx context.Context, in AnnounceInput) (migrate.AnnounceResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.composed = append(f.composed, in)
	return f.draft(in), nil
}

func (f *fakeMigrator) SaveDrafts(ctx context.Context, in AnnounceInput) (migrate.AnnounceResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.saved = append(f.saved, in)
	if f.saveErr != nil {
		return migrate.AnnounceResult{}, f.saveErr
	}
	res := f.draft(in)
	res.DraftsFolder = "Drafts"
	for i := range res.Drafts {
		d := &res.Drafts[i]
		d.Existed = f.savedIDs[d.MessageID]
		d.Saved = !d.Existed
		f.savedIDs[d.MessageID] = true
	}
	return res, nil
}

// newMigrateUI opens the window with an old account whose archive exists
// (a backup ran).
func newMigrateUI(t *testing.T, f *fakes) *ui {
	t.Helper()
	u := newTestUI(t, f)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "archive.sqlite"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	u.acct = account{Email: "demo@old-isp.example", Host: "imap.old-isp.example", Port: 993, User: "demo@old-isp.example",
		Password: secret.New("old-pw"), ArchiveDir: dir}
	return u
}

// typeNewAccount fills step 6's account form and connects.
func typeNewAccount(t *testing.T, u *ui, email, password string) {
	t.Helper()
	test.Type(u.migrate.form.email, email)
	test.Type(u.migrate.form.password, password)
	if u.migrate.form.host.Text == "" {
		u.migrate.form.host.SetText("imap.new-provider.example")
	}
	test.Tap(u.migrate.connectBtn)
	u.waitBackground()
}

// findButton returns the visible button with text on the canvas, or nil.
func findButton(c fyne.Canvas, text string) *widget.Button {
	var found *widget.Button
	walkVisible(c.Content(), func(o fyne.CanvasObject) bool {
		if found != nil {
			return false
		}
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			found = b
			return false
		}
		return true
	})
	return found
}

// cells is the folder table as the person reads it.
func cells(s *migrateScreen) [][]string {
	var out [][]string
	for r := range s.rows() {
		var row []string
		for c := 0; c < 4; c++ {
			l := widget.NewLabel("")
			s.table.UpdateCell(widget.TableCellID{Row: r, Col: c}, l)
			row = append(row, l.Text)
		}
		out = append(out, row)
	}
	return out
}

func TestMigrateReachableOnceABackupExists(t *testing.T) {
	f := newFakes()
	u := newMigrateUI(t, f)
	stepLabel := tr("step.migrate", map[string]any{"N": stepMigrate + 1})
	os.Remove(filepath.Join(u.acct.ArchiveDir, "archive.sqlite"))
	u.goTo(stepDone)
	if b := findButton(u.win.Canvas(), tr("done.migrate")); b == nil || !b.Disabled() {
		t.Fatal("without a backup the Done screen's move button is missing or enabled")
	}
	if findButton(u.win.Canvas(), stepLabel) != nil {
		t.Error("the step bar leads to step 6 without a backup")
	}
	u.openMigrate()
	if u.step != stepDone {
		t.Fatalf("step 6 opened without a backup (step %d)", u.step)
	}

	os.WriteFile(filepath.Join(u.acct.ArchiveDir, "archive.sqlite"), nil, 0o600)
	u.goTo(stepContacts) // the gate is not needed: not even verified yet
	u.waitBackground()
	b := findButton(u.win.Canvas(), stepLabel)
	if b == nil || b.Disabled() {
		t.Fatal("the step bar has no way to step 6 once the backup exists")
	}
	test.Tap(b)
	if u.step != stepMigrate || u.migrate.part != partAccount {
		t.Fatalf("after tapping step 6: step %d, part %d", u.step, u.migrate.part)
	}
	all := texts(u.win.Canvas())
	for _, want := range []string{tr("migrate.title"), tr("migrate.part.account"), tr("migrate.part.copy"), tr("migrate.part.announce")} {
		if !contains(all, want) {
			t.Errorf("step 6 does not show %q: %q", want, all)
		}
	}
	test.Tap(findButton(u.win.Canvas(), tr("button.back")))
	if u.step != stepContacts {
		t.Errorf("Back from step 6 went to step %d, want where the person came from", u.step)
	}

	u.goTo(stepDone)
	move := findButton(u.win.Canvas(), tr("done.migrate"))
	if move == nil || move.Disabled() {
		t.Fatal("the Done screen's move button is disabled with a backup")
	}
	test.Tap(move)
	if u.step != stepMigrate {
		t.Fatalf("the Done screen's button went to step %d", u.step)
	}
}

func TestMigrateNewAccountShowsMapping(t *testing.T) {
	f := newFakes()
	u := newMigrateUI(t, f)
	u.openMigrate()
	test.Type(u.migrate.form.email, "hanako@gmail.com") // found in the table, as in step 1
	if u.newAcct.Host != "imap.gmail.com" || u.acct.Host != "imap.old-isp.example" {
		t.Fatalf("new host %q, old host %q", u.newAcct.Host, u.acct.Host)
	}
	test.Type(u.migrate.form.password, "new-app-pw")
	test.Tap(u.migrate.form.remember)
	test.Tap(u.migrate.connectBtn)
	u.waitBackground()

	if n := len(f.conn.calls); n != 1 || f.conn.calls[0].Host != "imap.gmail.com" || f.conn.calls[0].User != "hanako@gmail.com" ||
		f.conn.calls[0].Password.Reveal() != "new-app-pw" {
		t.Fatalf("connection tests: %+v", f.conn.calls)
	}
	if len(f.migrate.mapCalls) != 1 || f.migrate.mapCalls[0].Conn.User != "hanako@gmail.com" ||
		f.migrate.mapCalls[0].ArchiveDir != u.acct.ArchiveDir {
		t.Fatalf("mapping asked with %+v", f.migrate.mapCalls)
	}
	if u.migrate.part != partCopy {
		t.Fatalf("part = %d after connecting, want the folders", u.migrate.part)
	}
	want := [][]string{
		{"Inbox", "Inbox", "2 (2 KB)", tr("migrate.state.to-copy")},
		{"Sent (Sent Messages)", "Sent", "1 (1000 B)", tr("migrate.state.to-copy")},
		{"取引先", "取引先 (new)", "1 (1000 B)", tr("migrate.state.to-copy")},
		{"Old", "Old (new)", "0 (0 B)", tr("migrate.state.empty")},
	}
	if got := cells(u.migrate); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("folder table =\n%q\nwant\n%q", got, want)
	}
	all := texts(u.win.Canvas())
	for _, w := range []string{
		tr("migrate.plan", map[string]any{"Messages": "4", "Size": "4 KB", "Folders": "4",
			"Old": "demo@old-isp.example", "New": "hanako@gmail.com", "Host": "imap.gmail.com"}),
		tr("button.start-copy"),
	} {
		if !contains(all, w) {
			t.Errorf("missing %q in %q", w, all)
		}
	}
	// The password went to the keyring as in step 1; the old account is
	// still the one step 1 opens with.
	if pw, err := u.store.Password("hanako@gmail.com"); err != nil || pw.Reveal() != "new-app-pw" {
		t.Errorf("keyring: %v, %v", pw, err)
	}
	a, ok := u.store.Account("hanako@gmail.com")
	if !ok || a.Host != "imap.gmail.com" || a.ArchiveDir != "" {
		t.Errorf("saved new account = %+v, %v", a, ok)
	}
	u.saveProfile()
	u.waitBackground()
	if got, _ := firstBackedUp(u.store.Accounts()); got.Email != "demo@old-isp.example" {
		t.Errorf("step 1 would open %q, want the backed-up account", got.Email)
	}

	// Back to the form, and a change of account forgets the plan.
	test.Tap(u.migrate.changeBtn)
	if u.migrate.part != partAccount {
		t.Fatal("Change the account did not show the form")
	}
	test.Type(u.migrate.form.email, "x")
	if u.migrate.mapping != nil {
		t.Error("the plan for the previous address is kept")
	}
}

// A refused password on the new account reads as step 1's does, in the
// window's language, and nothing is planned or copied.
func TestMigrateWrongPasswordInPlainWords(t *testing.T) {
	for _, code := range []string{"en", "ja"} {
		t.Run(code, func(t *testing.T) {
			f := newFakes()
			f.conn.err = mailerr.New(mailerr.AuthFailed, "login", "imap.new-provider.example", errors.New("[AUTHENTICATIONFAILED] Invalid credentials"))
			u := newMigrateUI(t, f)
			u.switchLanguage(code)
			u.openMigrate()
			typeNewAccount(t, u, "hanako@new-provider.example", "wrong")
			want := tr("err.auth-failed", map[string]any{"Host": "imap.new-provider.example"})
			if got := u.migrate.form.result.label.Text; got != want {
				t.Errorf("result = %q, want %q", got, want)
			}
			if !contains(texts(u.win.Canvas()), want) {
				t.Error("the message is not on the window")
			}
			if u.migrate.part != partAccount || len(f.migrate.mapCalls) != 0 || f.migrate.copies != 0 {
				t.Errorf("after a refused login: part %d, %d mapping calls, %d copies", u.migrate.part, len(f.migrate.mapCalls), f.migrate.copies)
			}
		})
	}
}

func TestMigrateMappingErrorInPlainWords(t *testing.T) {
	f := newFakes()
	f.migrate.mapErr = mailerr.New(mailerr.Timeout, "list", "imap.new-provider.example", errors.New("i/o timeout"))
	u := newMigrateUI(t, f)
	u.openMigrate()
	typeNewAccount(t, u, "hanako@new-provider.example", "pw")
	want := tr("err.timeout", map[string]any{"Host": "imap.new-provider.example"})
	if got := u.migrate.mapStatus.label.Text; got != want || u.migrate.part != partAccount {
		t.Errorf("mapping error = %q (part %d), want %q", got, u.migrate.part, want)
	}
}

func TestMigrateRefusesTheOldAccount(t *testing.T) {
	f := newFakes()
	u := newMigrateUI(t, f)
	u.openMigrate()
	test.Type(u.migrate.form.email, "demo@old-isp.example")
	test.Type(u.migrate.form.password, "old-pw")
	u.migrate.form.host.SetText("imap.old-isp.example")
	u.migrate.form.user.SetText("demo@old-isp.example")
	test.Tap(u.migrate.connectBtn)
	u.waitBackground()
	want := tr("migrate.same-account", map[string]any{"Email": "demo@old-isp.example"})
	if got := u.migrate.form.result.label.Text; got != want {
		t.Errorf("result = %q, want %q", got, want)
	}
	if len(f.conn.calls) != 0 || len(f.migrate.mapCalls) != 0 {
		t.Error("connected to the old account as the new one")
	}
}

// toCopy opens step 6 with the new account connected and the plan shown.
func toCopy(t *testing.T, u *ui) {
	t.Helper()
	u.openMigrate()
	typeNewAccount(t, u, "hanako@new-provider.example", "new-pw")
	if u.migrate.part != partCopy {
		t.Fatalf("part = %d, want the folders", u.migrate.part)
	}
}

// The copy runs off the UI goroutine: progress arrives merged into one
// update however many events the engine sends; Stop says "Stopping…" until
// the engine returns; running again goes on and ends with the summary.
func TestMigrateCopyProgressStopAndContinue(t *testing.T) {
	f := newFakes()
	running := make(chan struct{})
	f.migrate.copy = func(ctx context.Context, call int, in MigrateInput, sink progress.Sink) (migrate.CopySummary, error) {
		if call == 1 {
			sink(progress.Event{Kind: progress.Notice, Step: "copy", Folder: "INBOX", Notice: &progress.NoticeData{Kind: progress.FolderStarted}})
			for i := int64(1); i <= 500; i++ {
				sink(progress.Event{Kind: progress.Status, Step: "copy", Folder: "INBOX", Done: 1, Total: 4, Bytes: i, TotalBytes: 4000, Rate: 2000, ETA: 2e9})
			}
			close(running)
			<-ctx.Done()
			sum := f.migrate.summary(0)
			for i := range sum.Folders {
				sum.Folders[i].Copied = 0
			}
			sum.Folders[0].Copied, sum.Copied, sum.Left = 1, 1, 3
			return sum, fmt.Errorf("copy to %s: %w", in.Conn.Host, ctx.Err())
		}
		if in.Conn.User != "hanako@new-provider.example" {
			t.Errorf("second run into %q", in.Conn.User)
		}
		sum := f.migrate.summary(1)
		sum.Elapsed = 3e9
		sum.CopiedBytes = 3000
		return sum, nil
	}
	u := newMigrateUI(t, f)
	toCopy(t, u)

	test.Tap(u.migrate.startBtn)
	<-running
	if !u.migrate.busy() || !u.anyBusy() {
		t.Fatal("the screen is not busy while copying")
	}
	u.drain()
	if n := u.migrate.pump.flushes; n > 2 {
		t.Errorf("%d UI updates for 501 events, want them merged", n)
	}
	if got, want := mustGet(t, u.migrate.overallText.Get), tr("migrate.overall", map[string]any{"Done": "1", "Total": "4", "Bytes": "500 B", "TotalBytes": "4 KB"}); got != want {
		t.Errorf("overall = %q, want %q", got, want)
	}
	if v, _ := u.migrate.overall.Get(); v != 0.125 {
		t.Errorf("progress bar = %v, want 0.125", v)
	}
	if got := cells(u.migrate)[0][3]; got != tr("migrate.state.copying") {
		t.Errorf("INBOX state while copying = %q", got)
	}
	if got := mustGet(t, u.migrate.rateText.Get); !strings.Contains(got, "2 KB/s") {
		t.Errorf("rate line = %q", got)
	}
	if b := findButton(u.win.Canvas(), tr("button.back")); b == nil || !b.Disabled() {
		t.Error("Back is not disabled while copying")
	}

	test.Tap(u.migrate.cancelBtn)
	if !u.migrate.stopping || !contains(texts(u.win.Canvas()), tr("migrate.stopping")) || !u.migrate.cancelBtn.Disabled() {
		t.Error("Stop does not show Stopping…")
	}
	u.waitBackground()
	if u.migrate.running {
		t.Fatal("still running after the engine returned")
	}
	stopped := tr("migrate.stopped", map[string]any{"Done": "1", "Total": "4"})
	if got := u.migrate.result.label.Text; got != stopped {
		t.Errorf("after Stop: %q, want %q", got, stopped)
	}
	if u.migrate.startBtn.Text != tr("button.continue-copy") || u.migrate.moved() {
		t.Errorf("after Stop the button says %q", u.migrate.startBtn.Text)
	}
	if got := cells(u.migrate); got[0][3] != tr("migrate.state.done", map[string]any{"Done": "1", "Total": "2"}) || got[2][1] != "取引先 (new)" {
		t.Errorf("after Stop the table reads %q", got)
	}

	test.Tap(u.migrate.startBtn)
	u.waitBackground()
	done := tr("migrate.done-ok", map[string]any{"Total": "4", "Email": "hanako@new-provider.example", "Copied": "3",
		"Already": "1", "Time": tr("time.under-minute")})
	if got := u.migrate.result.label.Text; got != done || u.migrate.result.kind != statusOK {
		t.Errorf("summary = %q, want %q", got, done)
	}
	if f.migrate.copies != 2 || !u.migrate.moved() {
		t.Errorf("copies %d, moved %v", f.migrate.copies, u.migrate.moved())
	}
	if got := cells(u.migrate)[0][3]; got != tr("migrate.state.done", map[string]any{"Done": "2", "Total": "2"}) {
		t.Errorf("INBOX after the copy = %q", got)
	}
	if got := cells(u.migrate)[2][1]; got != "取引先" {
		t.Errorf("a created folder is still marked new: %q", got)
	}
	if u.migrate.nextBtn.Importance != widget.HighImportance || findButton(u.win.Canvas(), tr("button.next-announce")) == nil {
		t.Error("Next: tell your contacts is not the blue button")
	}
	u.goTo(stepDone)
	if !contains(texts(u.win.Canvas()), tr("done.moved", map[string]any{"Count": "4", "Email": "hanako@new-provider.example"})) {
		t.Error("the Done screen does not say the mail is in the new account")
	}
}

func mustGet(t *testing.T, get func() (string, error)) string {
	t.Helper()
	v, err := get()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMigrateCopyEndings(t *testing.T) {
	tests := []struct {
		name string
		run  func(f *fakeMigrator) (migrate.CopySummary, error)
		want func() string
		kind statusKind
		also string
	}{
		{"full", func(f *fakeMigrator) (migrate.CopySummary, error) {
			sum := f.summary(0)
			sum.Left, sum.LeftBytes, sum.Quota = 2, 2_500_000, "[OVERQUOTA] Quota exceeded"
			return sum, mailerr.New(mailerr.ServerError, "copy", "h", fmt.Errorf("%w: quota", migrate.ErrCopyQuota))
		}, func() string {
			return tr("migrate.quota", map[string]any{"Left": "2", "Size": "2.4 MB", "Email": "hanako@new-provider.example"})
		}, statusBad, ""},
		{"refused", func(f *fakeMigrator) (migrate.CopySummary, error) {
			sum := f.summary(0)
			sum.Folders[0].Refused, sum.Left = 1, 1
			sum.Refused = []migrate.CopyRefusal{{Folder: "INBOX", UID: 7, Size: 60_000_000, Dest: "INBOX", Reason: "Message too large"}}
			return sum, nil
		}, func() string {
			return tr("migrate.refused", map[string]any{"Count": "1", "Done": "3", "Total": "4"})
		}, statusBad, "INBOX, message no. 7 (57.2 MB): Message too large"},
		{"password changed", func(f *fakeMigrator) (migrate.CopySummary, error) {
			return migrate.CopySummary{}, mailerr.New(mailerr.AuthFailed, "login", "imap.new-provider.example", errors.New("NO"))
		}, func() string {
			return tr("err.auth-failed", map[string]any{"Host": "imap.new-provider.example"})
		}, statusBad, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakes()
			f.migrate.copy = func(ctx context.Context, call int, in MigrateInput, sink progress.Sink) (migrate.CopySummary, error) {
				return tt.run(f.migrate)
			}
			u := newMigrateUI(t, f)
			toCopy(t, u)
			test.Tap(u.migrate.startBtn)
			u.waitBackground()
			if got := u.migrate.result.label.Text; got != tt.want() || u.migrate.result.kind != tt.kind {
				t.Errorf("result = %q, want %q", got, tt.want())
			}
			if tt.also != "" && !contains(texts(u.win.Canvas()), tt.also) {
				t.Errorf("%q not listed: %q", tt.also, texts(u.win.Canvas()))
			}
			if u.migrate.moved() {
				t.Error("counted as moved")
			}
		})
	}
}

// An archive that is not a verified, complete copy of the old account is
// refused by the engine; the window says so, offers the way back to the
// check, and copies only when the person chooses "anyway", and then says
// the copy is not all of the mail and does not tick the step.
func TestMigrateRefusedIncompleteThenAnyway(t *testing.T) {
	f := newFakes()
	var asked []bool
	f.migrate.copy = func(ctx context.Context, call int, in MigrateInput, sink progress.Sink) (migrate.CopySummary, error) {
		asked = append(asked, in.FromIncompleteBackup)
		if !in.FromIncompleteBackup {
			return migrate.CopySummary{}, mailerr.New(mailerr.GateClosed, "copy", "a", fmt.Errorf("%w: 1,504 of 3,001", migrate.ErrIncompleteSource))
		}
		return f.migrate.summary(0), nil
	}
	u := newMigrateUI(t, f)
	toCopy(t, u)
	test.Tap(u.migrate.startBtn)
	u.waitBackground()
	if got := u.migrate.result.label.Text; got != tr("migrate.incomplete-source") {
		t.Fatalf("refused copy says %q", got)
	}
	if u.migrate.startBtn.Text != tr("button.copy-anyway") || !contains(texts(u.win.Canvas()), tr("button.back-to-check")) {
		t.Fatalf("no 'anyway' and 'back to the check' buttons: %q", texts(u.win.Canvas()))
	}
	test.Tap(u.migrate.startBtn)
	u.waitBackground()
	if len(asked) != 2 || asked[0] || !asked[1] {
		t.Fatalf("copies asked with FromIncompleteBackup %v, want false then true", asked)
	}
	want := tr("migrate.done-partial-source", map[string]any{"Total": "4", "Email": "hanako@new-provider.example"})
	if got := u.migrate.result.label.Text; got != want || u.migrate.result.kind != statusInfo {
		t.Errorf("copy from an incomplete archive says %q, want %q", got, want)
	}
	if u.migrate.moved() {
		t.Error("a copy from an incomplete archive counts as moved: the step bar would tick it")
	}
	test.Tap(u.migrate.verifyBtn)
	if u.step != stepVerify {
		t.Errorf("Back to the check went to step %d", u.step)
	}
}

// The drafted message is shown for review in the chosen language, to the
// people selected in step 4 (automated senders left out); the person's
// changes are what is saved, as drafts, and nothing is sent.
func TestAnnounceReviewEditAndSave(t *testing.T) {
	f := newFakes()
	u := newMigrateUI(t, f)
	u.contacts.book, u.contacts.loadedFor = testBook(), u.acct.ArchiveDir
	for _, c := range u.contacts.book.Contacts {
		u.contacts.selected[c.Key] = true // the automated sender too, for the export
	}
	toCopy(t, u)
	test.Tap(u.migrate.startBtn)
	u.waitBackground()
	test.Tap(u.migrate.nextBtn)
	u.waitBackground()
	a := u.migrate.ann
	if u.migrate.part != partAnnounce || len(f.migrate.composed) != 1 {
		t.Fatalf("part %d, %d compositions", u.migrate.part, len(f.migrate.composed))
	}
	in := f.migrate.composed[0]
	if in.Lang != "en" || in.NewAddress != "hanako@new-provider.example" || in.Text != "" ||
		strings.Join(in.Contacts, ",") != "hanako@example.jp,suzuki@clients.example" {
		t.Errorf("composed with %+v", in)
	}
	if a.subject.Text != "My email address has changed" || !strings.Contains(a.body.Text, "hanako@new-provider.example") {
		t.Errorf("shown: subject %q, body %q", a.subject.Text, a.body.Text)
	}
	all := texts(u.win.Canvas())
	for _, w := range []string{
		tr("announce.to", map[string]any{"People": "2", "Drafts": "1"}),
		"hanako@example.jp; suzuki@clients.example",
		tr("announce.never-sent"),
		tr("button.save-drafts"),
	} {
		if !contains(all, w) {
			t.Errorf("missing %q in %q", w, all)
		}
	}

	a.langSel.SetSelectedIndex(1) // Japanese, nothing edited: drafted again at once
	u.waitBackground()
	if len(f.migrate.composed) != 2 || f.migrate.composed[1].Lang != "ja" || a.subject.Text != "メールアドレス変更のお知らせ" {
		t.Fatalf("after choosing Japanese: %d compositions, subject %q", len(f.migrate.composed), a.subject.Text)
	}

	a.body.SetText("皆様\n新しいアドレスは hanako@new-provider.example です。{{.Name}}\n")
	a.langSel.SetSelectedIndex(0) // would throw the changes away: asks first
	u.waitBackground()
	if len(f.migrate.composed) != 2 || len(u.win.Canvas().Overlays().List()) == 0 {
		t.Fatalf("changing the language over edited text did not ask (%d compositions)", len(f.migrate.composed))
	}
	u.win.Canvas().Overlays().Top().Hide()
	a.filling = true
	a.langSel.SetSelectedIndex(a.lang)
	a.filling = false

	test.Tap(a.saveBtn)
	u.waitBackground()
	if len(f.migrate.saved) != 1 {
		t.Fatalf("saved %d times", len(f.migrate.saved))
	}
	s := f.migrate.saved[0]
	wantText := "Subject: メールアドレス変更のお知らせ\n皆様\n新しいアドレスは hanako@new-provider.example です。{{.Name}}\n"
	if s.Text != wantText || s.Lang != "ja" || s.Conn.User != "hanako@new-provider.example" || len(s.Contacts) != 2 {
		t.Errorf("saved with %+v", s)
	}
	saved := tr("announce.saved", map[string]any{"Count": "1", "Folder": "Drafts", "Email": "hanako@new-provider.example"})
	if got := a.status.label.Text; got != saved {
		t.Errorf("status = %q, want %q", got, saved)
	}
	if a.finishBtn.Importance != widget.HighImportance || findButton(u.win.Canvas(), tr("button.finish")) == nil {
		t.Error("Finish is not the blue button after saving")
	}

	// Saving the same text again adds nothing.
	test.Tap(a.saveBtn)
	u.waitBackground()
	if got := a.status.label.Text; got != tr("announce.saved-already", map[string]any{"Folder": "Drafts", "Email": "hanako@new-provider.example"}) {
		t.Errorf("second save: %q", got)
	}

	test.Tap(a.finishBtn)
	if u.step != stepDone {
		t.Fatalf("Finish went to step %d", u.step)
	}
	if !contains(texts(u.win.Canvas()), tr("done.drafts", map[string]any{"Folder": "Drafts", "Email": "hanako@new-provider.example"})) {
		t.Error("the Done screen does not say where the drafts are")
	}
}

func TestAnnounceNeedsSomeoneAndText(t *testing.T) {
	f := newFakes()
	u := newMigrateUI(t, f)
	u.contacts.book, u.contacts.loadedFor = testBook(), u.acct.ArchiveDir
	u.contacts.selected = map[string]bool{"no-reply@shop.example": true} // only the automated sender
	toCopy(t, u)
	u.migrate.show(partAnnounce)
	u.waitBackground()
	if got := u.migrate.ann.status.label.Text; got != tr("announce.no-one") || len(f.migrate.composed) != 0 {
		t.Errorf("no one selected: %q, %d compositions", got, len(f.migrate.composed))
	}

	u.contacts.book = nil // step 4 not visited: everyone in the address book
	u.migrate.ann.compose()
	u.waitBackground()
	if len(f.migrate.composed) != 1 || f.migrate.composed[0].Contacts != nil {
		t.Fatalf("without step 4's list composed with %+v", f.migrate.composed)
	}
	u.migrate.ann.subject.SetText("  ")
	test.Tap(u.migrate.ann.saveBtn)
	u.waitBackground()
	if got := u.migrate.ann.status.label.Text; got != tr("announce.need-text") || len(f.migrate.saved) != 0 {
		t.Errorf("empty subject: %q, saved %d", got, len(f.migrate.saved))
	}
	f.migrate.saveErr = mailerr.New(mailerr.ConnLost, "append", "imap.new-provider.example", errors.New("EOF"))
	u.migrate.ann.subject.SetText("Hello")
	test.Tap(u.migrate.ann.saveBtn)
	u.waitBackground()
	if got, want := u.migrate.ann.status.label.Text, tr("err.connection-lost", map[string]any{"Host": "imap.new-provider.example"}); got != want {
		t.Errorf("save error = %q, want %q", got, want)
	}
}

// Every part of step 6 speaks Japanese after the switch: no English text
// that has a Japanese translation stays on the window.
func TestMigratePartsInJapanese(t *testing.T) {
	sw := newLanguageSwitch(t)
	ja := sw.ja
	f := newFakes()
	u := newMigrateUI(t, f)
	toCopy(t, u)
	u.switchLanguage("ja")
	if got := cells(u.migrate)[2][1]; got != "取引先（新規作成）" {
		t.Errorf("new folder in Japanese = %q", got)
	}
	test.Tap(u.migrate.startBtn)
	u.waitBackground()
	for _, p := range []migratePart{partAccount, partCopy, partAnnounce} {
		after := sw.check(t, u, fmt.Sprintf("part %d", p), func() {
			u.migrate.show(p)
			u.waitBackground()
		})
		if !contains(after, ja["migrate.part.copy"]) || !contains(after, ja["migrate.title"]) {
			t.Errorf("part %d: the title or the parts line is not in Japanese: %q", p, after)
		}
	}
}

func TestFirstBackedUp(t *testing.T) {
	f := newFakes()
	u := newTestUI(t, f)
	u.saveAccount(account{Email: "a-new@example.com", Host: "h", Security: imapconn.TLS})
	u.saveAccount(account{Email: "b-old@example.com", Host: "h", ArchiveDir: "/x"})
	u.waitBackground()
	if a, ok := firstBackedUp(u.store.Accounts()); !ok || a.Email != "b-old@example.com" {
		t.Errorf("firstBackedUp() = %q, want the account with an archive", a.Email)
	}
	// Saving the same address without an archive keeps the archive folder.
	u.saveAccount(account{Email: "b-old@example.com", Host: "h2"})
	u.waitBackground()
	if a, _ := u.store.Account("b-old@example.com"); a.ArchiveDir != "/x" || a.Host != "h2" {
		t.Errorf("re-saved profile = %+v", a)
	}
}

// The copy table's messages column is as wide as its widest count: the
// Japanese "1,504 通（170.0 MB）" is not cut.
func TestMigrateCountColumnFitsJapanese(t *testing.T) {
	f := newFakes()
	u := newMigrateUI(t, f)
	u.switchLanguage("ja")
	u.openMigrate()
	u.migrate.mapping = []migrate.MappingEntry{{Folder: "INBOX", Role: "inbox", Dest: "INBOX", Exists: true,
		Messages: 1504, Bytes: 170 << 20}}
	u.migrate.show(partCopy)
	u.render()
	text := tr("migrate.count", map[string]any{"Count": formatCount(1504), "Size": formatBytes(170 << 20)})
	need := fyne.MeasureText(text, theme.TextSize(), fyne.TextStyle{}).Width + 2*theme.InnerPadding()
	t.Logf("%q needs %.0f px; the column was 160", text, need)
	if u.migrate.countWidth < need {
		t.Errorf("messages column %.0f px wide, %q needs %.0f", u.migrate.countWidth, text, need)
	}
}
