package gate_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/testimap"
)

// The removal report prints on one A4 page, in English and Japanese, safe
// and not yet safe (the demo account's nine folders): Chromium prints each
// golden report to PDF and the PDF's page tree says how many pages.
func TestReportPrintsOnOnePage(t *testing.T) {
	bin := testimap.Chromium(t)
	profile := t.TempDir()
	pages := regexp.MustCompile(`/Type\s*/Pages\b[^>]*?/Count (\d+)|/Count (\d+)[^>]*?/Type\s*/Pages\b`)
	for _, name := range []string{"report-safe.en.html", "report-safe.ja.html", "report-notsafe.en.html", "report-notsafe.ja.html"} {
		html := filepath.Join(t.TempDir(), name)
		b, err := os.ReadFile(filepath.Join("testdata", name+".golden"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(html, b, 0o600); err != nil {
			t.Fatal(err)
		}
		pdf := html + ".pdf"
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		out, err := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir="+profile,
			"--no-pdf-header-footer", "--print-to-pdf="+pdf, "file://"+html).CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("chromium --print-to-pdf %s: %v\n%s", name, err, out)
		}
		doc, err := os.ReadFile(pdf)
		if err != nil {
			t.Fatal(err)
		}
		m := pages.FindSubmatch(doc)
		if m == nil {
			t.Fatalf("%s: no page count in the PDF Chromium printed", name)
		}
		if n := string(m[1]) + string(m[2]); n != "1" {
			t.Errorf("%s prints on %s pages, want one A4 page", name, n)
		}
	}
}
