package app

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/testmail"
)

var isoMessage = string(testmail.WithAttachment())

type fakeReader struct{ closed bool }

func (r *fakeReader) Folders(context.Context) ([]ArchiveFolder, error) {
	return []ArchiveFolder{{ID: 1, Name: "INBOX", Role: "inbox", Current: true, Messages: 1},
		{ID: 2, Name: "取引先", Current: true, Messages: 1}}, nil
}

var testMessage = &archive.MessageInfo{ID: 7, FolderName: "取引先", Subject: "会議の件", From: "山田 花子 <hanako@example.jp>",
	To: "me@old-isp.example", Date: "2025-03-05T09:04:11+09:00", Size: int64(len(isoMessage))}

func (r *fakeReader) Messages(ctx context.Context, folderID int64, limit int) ([]*archive.MessageInfo, error) {
	return []*archive.MessageInfo{testMessage}, nil
}

func (r *fakeReader) Search(ctx context.Context, q string, limit int) ([]*archive.MessageInfo, error) {
	if q == "会議" {
		return []*archive.MessageInfo{testMessage}, nil
	}
	return nil, nil
}

func (r *fakeReader) Open(ctx context.Context, id int64) (io.Reader, error) {
	return strings.NewReader(isoMessage), nil
}

func (r *fakeReader) Failures(context.Context) ([]archive.Failure, error) { return nil, nil }
func (r *fakeReader) Close() error                                        { r.closed = true; return nil }

type fakeOpener struct{ r *fakeReader }

func (o fakeOpener) OpenArchive(context.Context, string) (ArchiveReader, error) { return o.r, nil }

func TestArchiveViewSearchAndRead(t *testing.T) {
	f := newFakes()
	r := &fakeReader{}
	eng := f.engine()
	eng.Archive = fakeOpener{r}
	u := newTestUI(t, f)
	u.eng = eng
	u.openArchiveView()
	u.waitBackground()
	v := u.viewer
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
	if !strings.Contains(v.headers.Text, "会議の件") || !strings.Contains(v.attach.Text, "mitsumori.pdf") || v.body.Text == "" {
		t.Errorf("reading pane: %q / %q / %q", v.headers.Text, v.attach.Text, v.body.Text)
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
