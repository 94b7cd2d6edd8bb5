package cli_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/width"

	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

// tableAccount has a Japanese-named folder and messages written (Date) long
// before the server received them (INTERNALDATE).
func tableAccount(n int) *demo.Account {
	arrived := time.Date(2024, 12, 24, 9, 0, 0, 0, time.UTC)
	msg := func(i int) demo.Message {
		raw := fmt.Sprintf("From: Taro <taro@example.jp>\r\nTo: me@example.jp\r\nSubject: 会議 %d\r\n"+
			"Date: Thu, 02 Jan 2020 10:00:00 +0000\r\nMessage-ID: <t%d@example.jp>\r\n\r\nmeeting %d\r\n", i, i, i)
		return demo.Message{Raw: []byte(raw), InternalDate: arrived}
	}
	var inbox, ja []demo.Message
	for i := range n {
		inbox = append(inbox, msg(i))
		ja = append(ja, msg(n+i))
	}
	return &demo.Account{User: "me@example.jp", Password: "pw", Folders: []demo.Folder{
		{Name: "INBOX", Messages: inbox},
		{Name: "取引先見積", Messages: ja},
	}}
}

// columnStarts returns the display column at which each of the words
// starts in line.
func columnStarts(line string, words ...string) []int {
	var out []int
	for _, w := range words {
		i := strings.Index(line, w)
		if i < 0 {
			return nil
		}
		col := 0
		for _, r := range line[:i] {
			if k := width.LookupRune(r).Kind(); k == width.EastAsianWide || k == width.EastAsianFullwidth {
				col += 2
			} else {
				col++
			}
		}
		out = append(out, col)
	}
	return out
}

func TestTablesAlignJapaneseAndSearchSaysHowMany(t *testing.T) {
	srv := testimap.Start(t, tableAccount(3))
	dir := filepath.Join(t.TempDir(), "a")
	ctx := context.Background()
	r := newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	if code := r.main(ctx, backupArgs(srv, dir)...); code != cli.ExitOK {
		t.Fatalf("backup exit %d: %s", code, r.stderr)
	}
	// The backup summary: the counts of INBOX and 取引先見積 end in the same column.
	checkAligned(t, "backup summary", r.stdout.String(), "INBOX", "取引先見積", "")

	r = newRun(nil)
	if code := r.main(ctx, "folders", "--archive", dir); code != cli.ExitOK {
		t.Fatalf("folders exit %d: %s", code, r.stderr)
	}
	checkAligned(t, "folders", r.stdout.String(), "INBOX", "取引先見積", "mbox/")

	r = newRun(nil)
	if code := r.main(ctx, "search", "--archive", dir, "--limit", "4", "会議"); code != cli.ExitOK {
		t.Fatalf("search exit %d: %s", code, r.stderr)
	}
	out := r.stdout.String()
	if !strings.Contains(out, "first 4 of 6 message(s) found") {
		t.Errorf("search with its limit hit does not say how many there are:\n%s", out)
	}
	want := time.Date(2020, 1, 2, 10, 0, 0, 0, time.UTC).Local().Format("2006-01-02 15:04")
	if !strings.Contains(out, want) || strings.Contains(out, "2024-12-2") {
		t.Errorf("search shows the arrival date, not the message's Date %s:\n%s", want, out)
	}
	var inbox, ja string
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.Contains(l, "INBOX"):
			inbox = l
		case strings.Contains(l, "取引先見積"):
			ja = l
		}
	}
	if a, b := columnStarts(inbox, "Taro", "会議"), columnStarts(ja, "Taro", "会議"); a == nil || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("search columns drift with a Japanese folder name (%v vs %v):\n%s", a, b, out)
	}
}

// checkAligned checks that the lines naming rowA and rowB have marker at
// the same display column, or with no marker, end at the same column
// (right-aligned numbers line up).
func checkAligned(t *testing.T, what, out, rowA, rowB, marker string) {
	t.Helper()
	widths := map[string]int{}
	for _, l := range strings.Split(out, "\n") {
		for _, row := range []string{rowA, rowB} {
			if strings.HasPrefix(l, row+" ") {
				widths[row] = displayCols(l)
				if marker != "" {
					if c := columnStarts(l, marker); c != nil {
						widths[row] = c[0]
					}
				}
			}
		}
	}
	if widths[rowA] == 0 || widths[rowA] != widths[rowB] {
		t.Errorf("%s: the rows of %s and %s are %d and %d columns wide:\n%s", what, rowA, rowB, widths[rowA], widths[rowB], out)
	}
}

func displayCols(s string) int {
	n := 0
	for _, r := range s {
		if k := width.LookupRune(r).Kind(); k == width.EastAsianWide || k == width.EastAsianFullwidth {
			n += 2
		} else {
			n++
		}
	}
	return n
}
