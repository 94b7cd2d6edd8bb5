package app

import (
	"context"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/testmail"
)

var isoMessage = string(testmail.WithAttachment())

type fakeReader struct {
	folders      []ArchiveFolder // what Folders says, when set
	closed       bool
	unsearchable int64 // what Unsearchable says
	busy         bool
}

func (r *fakeReader) Folders(context.Context) ([]ArchiveFolder, error) {
	if r.folders != nil {
		return r.folders, nil
	}
	return []ArchiveFolder{{ID: 1, Name: "INBOX", Role: "inbox", Current: true, Messages: 1},
		{ID: 2, Name: "取引先", Current: true, Messages: 1}}, nil
}

var testMessage = &archive.MessageInfo{ID: 7, FolderName: "取引先", Subject: "会議の件", From: "山田 花子 <hanako@example.jp>",
	To: "me@old-isp.example", Date: "2025-03-05T09:04:11+09:00", Size: int64(len(isoMessage))}

var inboxMessage = &archive.MessageInfo{ID: 8, FolderID: 1, FolderName: "INBOX", Subject: "Hello", From: "a@example.jp",
	Date: "2025-03-05T09:04:11+09:00", Size: int64(len(isoMessage))}

func (r *fakeReader) Messages(ctx context.Context, folderID int64, limit int) ([]*archive.MessageInfo, error) {
	return []*archive.MessageInfo{testMessage}, nil
}

func (r *fakeReader) Search(ctx context.Context, q string, limit int) ([]*archive.MessageInfo, error) {
	switch q {
	case "会議":
		return []*archive.MessageInfo{testMessage}, nil
	case "inbox":
		return []*archive.MessageInfo{inboxMessage}, nil
	}
	return nil, nil
}

func (r *fakeReader) Open(ctx context.Context, id int64) (io.Reader, error) {
	return strings.NewReader(isoMessage), nil
}

func (r *fakeReader) Unsearchable() (int64, bool) { return r.unsearchable, r.busy }

func (r *fakeReader) Failures(context.Context) ([]archive.Failure, error) { return nil, nil }
func (r *fakeReader) Close() error                                        { r.closed = true; return nil }

type fakeOpener struct{ r *fakeReader }

func (o fakeOpener) OpenArchive(context.Context, string) (ArchiveReader, error) { return o.r, nil }

// fakeArchiveUI is a window whose Archive button opens r.
func fakeArchiveUI(t *testing.T, r *fakeReader) *ui {
	t.Helper()
	f := newFakes()
	eng := f.engine()
	eng.Archive = fakeOpener{r}
	u := newTestUI(t, f)
	u.eng = eng
	return u
}

// openFakeArchive opens the Archive window on r.
func openFakeArchive(t *testing.T, r *fakeReader) (*ui, *archiveView) {
	t.Helper()
	u := fakeArchiveUI(t, r)
	u.openArchiveView()
	u.waitBackground()
	return u, u.viewer
}

func TestArchiveViewSearchAndRead(t *testing.T) {
	r := &fakeReader{}
	u, v := openFakeArchive(t, r)
	if len(v.folders) != 2 || len(v.msgs) != 1 {
		t.Fatalf("folders %d, messages %d", len(v.folders), len(v.msgs))
	}
	v.runSearch("会議")
	u.waitBackground()
	if v.listTitle.Text != tr("archive.list-search", map[string]any{"Query": "会議", "Count": "1"}) {
		t.Errorf("list title = %q", v.listTitle.Text)
	}
	v.msgList.Select(0)
	u.waitBackground()
	if !strings.Contains(v.headers.Text, "会議の件") || !strings.Contains(strings.Join(texts(v.win.Canvas()), "|"), "mitsumori.pdf") || v.body.Text == "" {
		t.Errorf("reading pane: %q / %q / %q", v.headers.Text, texts(v.win.Canvas()), v.body.Text)
	}
	v.runSearch("nothing")
	u.waitBackground()
	if v.listTitle.Text != tr("archive.no-results", map[string]any{"Query": "nothing"}) {
		t.Errorf("no results title = %q", v.listTitle.Text)
	}
	u.switchLanguage("ja")
	if v.win.Title() != tr("archive.window-title") || !strings.Contains(v.headers.Text, "件名") {
		t.Errorf("archive window not in Japanese: %q / %q", v.win.Title(), v.headers.Text)
	}
	v.win.Close()
	if !r.closed || u.viewer != nil {
		t.Error("closing the window did not close the archive")
	}
}

// An attachment is saved, decoded, where the person chose, and opened
// from a private temporary copy with the system's program.
func TestArchiveViewAttachmentSaveAndOpen(t *testing.T) {
	u, v := openFakeArchive(t, &fakeReader{})
	v.msgList.Select(0)
	u.waitBackground()
	var opened *url.URL
	v.openURL = func(u *url.URL) error { opened = u; return nil }
	var save, open *widget.Button
	walkObjects(v.attach, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok {
			switch b.Text {
			case tr("archive.attachment-save"):
				save = b
			case tr("archive.attachment-open"):
				open = b
			}
		}
	})
	if save == nil || open == nil {
		t.Fatalf("the attachment has no Save and Open buttons: %q", texts(v.win.Canvas()))
	}
	path := filepath.Join(t.TempDir(), "m.pdf")
	v.saveAttachment(v.current, 0, "mitsumori.pdf", path, false)
	u.waitBackground()
	if got, err := os.ReadFile(path); err != nil || string(got) != "%PDF-1.4\n" {
		t.Errorf("saved attachment = %q, %v; want the decoded PDF", got, err)
	}
	test.Tap(open)
	u.waitBackground()
	if opened == nil {
		t.Fatal("Open did not open the attachment")
	}
	if got, err := os.ReadFile(opened.Path); err != nil || string(got) != "%PDF-1.4\n" || filepath.Base(opened.Path) != "mitsumori.pdf" {
		t.Errorf("opened %s = %q, %v", opened, got, err)
	}
	if fi, err := os.Stat(opened.Path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the opened copy is not private: %v", err)
	}
	os.RemoveAll(filepath.Dir(opened.Path))
}

// Search results name each message's folder as the folder list does, in
// the window's language.
func TestArchiveSearchFolderLabelsLocalised(t *testing.T) {
	u := fakeArchiveUI(t, &fakeReader{})
	u.switchLanguage("ja")
	u.openArchiveView()
	u.waitBackground()
	v := u.viewer
	v.runSearch("inbox")
	u.waitBackground()
	want := folderLabel("INBOX", "inbox")
	if want == "INBOX" {
		t.Fatal("no Japanese label for the inbox")
	}
	row := v.msgList.CreateItem()
	v.updateMsg(0, row)
	var got []string
	walkObjects(row, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			got = append(got, l.Text)
		}
	})
	if !strings.Contains(strings.Join(got, "|"), "—  "+want) {
		t.Errorf("search result row does not name the folder as %q: %q", want, got)
	}
}

func walkObjects(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	fn(o)
	switch c := o.(type) {
	case *fyne.Container:
		for _, child := range c.Objects {
			walkObjects(child, fn)
		}
	case *container.Scroll:
		walkObjects(c.Content, fn)
	case *container.Split:
		walkObjects(c.Leading, fn)
		walkObjects(c.Trailing, fn)
	}
}

// A folder name too long for the folder list ends in an ellipsis, short of
// its count: the CI screenshot showed "受信トレイ (Thunderbird pop.old-is"
// drawn over "300".
func TestArchiveFolderNameLeavesItsCountAlone(t *testing.T) {
	r := &fakeReader{folders: []ArchiveFolder{{ID: 1, Current: true, Messages: 300,
		Name: "受信トレイ (Thunderbird pop.old-isp.example/Inbox)"}}}
	_, v := openFakeArchive(t, r)
	row := v.folderList.CreateItem()
	v.updateFolder(0, row)
	row.Resize(fyne.NewSize(240, row.MinSize().Height))
	c := row.(*fyne.Container)
	c.Layout.Layout(c.Objects, c.Size())
	name, count := c.Objects[0].(*widget.Label), c.Objects[1].(*widget.Label)
	if name.MinSize().Width > name.Size().Width {
		t.Errorf("folder name needs %.0f wide, has %.0f: drawn over its count", name.MinSize().Width, name.Size().Width)
	}
	if name.Position().X+name.Size().Width > count.Position().X {
		t.Errorf("folder name ends at %.0f, its count starts at %.0f", name.Position().X+name.Size().Width, count.Position().X)
	}
}
