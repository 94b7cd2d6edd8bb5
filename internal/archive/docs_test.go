package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/testimap"
)

// The by-hand restore in docs/archive.md, run as written with sqlite3,
// gives a message of several chunks back whole, byte for byte.
func TestDocsRestoreByHand(t *testing.T) {
	testimap.Tool(t, "sqlite3", "sqlite3", "sqlite3 is not installed (make deps installs it)")
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "archive.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^sqlite3 archive\.sqlite "(SELECT writefile\('m42\.eml'.*)"$`).FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/archive.md has no by-hand restore of m42.eml")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "arch")
	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	run, _ := a.BeginRun(ctx, "backup")
	// 3.5 MiB: four chunks, NUL bytes and all.
	var body bytes.Buffer
	body.WriteString("Subject: large\r\n\r\n")
	for i := 0; body.Len() < 7<<19; i++ {
		body.WriteString(strings.Repeat(string(rune('a'+i%26)), 75) + "\x00\r\n")
	}
	e := entry(1, body.String())
	addBatch(t, a, f, run, e)
	a.Close()
	want := sha256.Sum256(body.Bytes())

	var id string
	out, err := exec.Command("sqlite3", filepath.Join(dir, archive.DBFile), "SELECT id FROM messages WHERE uid=1").Output()
	if err != nil {
		t.Fatal(err)
	}
	id = strings.TrimSpace(string(out))
	query := strings.ReplaceAll(string(m[1]), "42", id)
	cmd := exec.Command("sqlite3", "archive.sqlite", query)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sqlite3 %q: %v\n%s", query, err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "m"+id+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != want || len(got) != body.Len() {
		t.Errorf("the documented query wrote %d bytes, want %d, hash same %v", len(got), body.Len(), sha256.Sum256(got) == want)
	}
}
