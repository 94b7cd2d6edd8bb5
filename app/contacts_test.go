package app

import (
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/addressbook"
)

func toContacts(t *testing.T, u *ui) {
	t.Helper()
	toBackup(t, u)
	startBackup(u)
	u.waitBackground()
	test.Tap(u.backup.mainBtn) // Next: your contacts
	u.waitBackground()
	if u.step != stepContacts || u.contacts.book == nil {
		t.Fatalf("contacts not reached: step %d", u.step)
	}
}

func keys(cs []*addressbook.Contact) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Key)
	}
	return out
}

func TestContactsSelectFilterExport(t *testing.T) {
	f := newFakes()
	u := newTestUI(t, f)
	toContacts(t, u)
	c := u.contacts

	// People are selected, automated senders are not.
	if got := keys(c.chosen()); len(got) != 2 || got[0] != "hanako@example.jp" || got[1] != "suzuki@clients.example" {
		t.Errorf("default selection = %v", got)
	}
	if rows, _ := c.table.Length(); rows != 3 {
		t.Errorf("table rows = %d, want 3", rows)
	}

	test.Tap(c.autoBtn) // add automated senders
	if len(c.chosen()) != 3 || c.autoBtn.Text != tr("contacts.automated-remove") {
		t.Errorf("after adding automated: %v, button %q", keys(c.chosen()), c.autoBtn.Text)
	}
	test.Tap(c.autoBtn)
	if len(c.chosen()) != 2 {
		t.Errorf("after leaving automated out again: %v", keys(c.chosen()))
	}
	test.Tap(c.noneBtn)
	if len(c.chosen()) != 0 || !c.saveBtn.Disabled() {
		t.Errorf("select none: %v, save disabled %v", keys(c.chosen()), c.saveBtn.Disabled())
	}
	test.Tap(c.allBtn)
	if len(c.chosen()) != 3 {
		t.Errorf("select all: %v", keys(c.chosen()))
	}

	// The search narrows the table; "select none" then acts on what is shown.
	test.Type(c.search, "山田")
	if rows, _ := c.table.Length(); rows != 1 || c.view[0].Key != "hanako@example.jp" {
		t.Errorf("search 山田: %v", keys(c.view))
	}
	test.Tap(c.noneBtn)
	if got := keys(c.chosen()); len(got) != 2 || got[0] != "suzuki@clients.example" {
		t.Errorf("select none on the filtered rows: %v", got)
	}
	c.search.SetText("")
	// Tapping a row toggles it.
	c.table.Select(fyneCell(0, 1))
	if !c.selected["hanako@example.jp"] {
		t.Error("tapping the row did not select it")
	}

	// Sorting: "They wrote", largest first.
	c.sortBy(4)
	if c.view[0].Key != "no-reply@shop.example" {
		t.Errorf("sorted by received: %v", keys(c.view))
	}
	c.sortBy(4)
	if c.view[0].Key != "hanako@example.jp" {
		t.Errorf("reverse sort: %v", keys(c.view))
	}

	// Export writes the selection in the chosen format, then the blue
	// button moves on.
	c.format.SetSelectedIndex(2) // Google CSV
	path := filepath.Join(t.TempDir(), "contacts.csv")
	c.exportTo(path)
	u.waitBackground()
	if f.contacts.path != path || f.contacts.format != addressbook.FormatGoogleCSV || len(f.contacts.exported.Contacts) != 3 {
		t.Errorf("exported %v as %s to %s", keys(f.contacts.exported.Contacts), f.contacts.format, f.contacts.path)
	}
	if c.status.label.Text != tr("contacts.saved", map[string]any{"Count": "3", "Path": path}) {
		t.Errorf("status = %q", c.status.label.Text)
	}
	acts := c.actions()
	if last := acts[len(acts)-1]; last != c.nextBtn || c.nextBtn.Importance != widget.HighImportance {
		t.Error("after saving, the blue button is not 'Next'")
	}
}

func TestSaveOpensDialog(t *testing.T) {
	f := newFakes()
	u := newTestUI(t, f)
	toContacts(t, u)
	test.Tap(u.contacts.saveBtn)
	if len(u.win.Canvas().Overlays().List()) == 0 {
		t.Error("Save contacts… opened no dialog")
	}
}
