package desk_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/desk"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

// TestBoardInBrowser loads the board in headless Chromium: a progress bar
// moves while a worker writes progress, a failed account's reason is in
// words, in English and Japanese, and no password is on the page.
func TestBoardInBrowser(t *testing.T) {
	b := startChromium(t)
	srv := testimap.Start(t, smallAccount(demo.OldProviderUser, demo.OldProviderPassword, 1))
	_, d := testDesk(t, "")
	addCSV(t, d, fmt.Sprintf("customer,old_host,old_port,old_security,old_user,secret\ncarol,%s,%d,plain,%s,carol\n",
		srv.Host, srv.Port, demo.OldProviderUser))
	s, err := desk.ReadSecrets(writeFile(t, filepath.Join(t.TempDir(), "s"), "carol=not-her-password\n", 0o600), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Work(context.Background(), desk.WorkOptions{Secrets: s, Workers: 1, UntilIdle: true}); err != nil {
		t.Fatalf("Work() = %v", err)
	}
	addCSV(t, d, "customer,old_host,old_port,old_security,old_user,secret\n山田商店,imap.old-isp.example,993,tls,yamada@old-isp.example,yamada\n")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := d.SetProgress(ctx, "山田商店", desk.StepBackup, 10<<20, 100<<20); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go d.ServeBoard(ctx, "127.0.0.1:0", func(a string) { addr <- a })
	url := "http://" + <-addr + "/"

	b.navigate(url + "?lang=en")
	bar := `document.querySelector('tr[data-customer="山田商店"] progress')`
	b.waitFor(ctx, "the progress bar at 10%", bar+` !== null && `+bar+`.value === 10`)
	if err := d.SetProgress(ctx, "山田商店", desk.StepBackup, 55<<20, 100<<20); err != nil {
		t.Fatal(err)
	}
	b.waitFor(ctx, "the progress bar moving to 55%", bar+`.value === 55`)
	reason := `document.querySelector('#needs-list li[data-customer="carol"] .reason').textContent`
	b.waitFor(ctx, "carol's wrong password", reason+`.includes("Wrong user name or password")`)
	if got := b.eval(`document.querySelector('.total-attention b').textContent`); got != `"1"` {
		t.Errorf("accounts needing a person = %s, want 1", got)
	}
	if page := b.eval(`document.documentElement.outerHTML`); strings.Contains(page, "not-her-password") {
		t.Error("the board shows a password")
	}
	t.Logf("board (en): %s", b.screenshot("desk-board-en"))

	b.navigate(url + "?lang=ja")
	b.waitFor(ctx, "the Japanese board", reason+`.includes("パスワードが違います")`)
	t.Logf("board (ja): %s", b.screenshot("desk-board-ja"))
}
