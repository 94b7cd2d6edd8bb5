package app

import (
	"fmt"
	"testing"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/progress"
)

// The engine says what is wrong; the window adds its own next step (a
// button), in the person's language, not the command line's words.
func TestErrorsGetTheWindowsNextStep(t *testing.T) {
	for _, c := range []struct {
		err error
		key string
	}{
		{mailerr.New(mailerr.BadInput, "open archive", "/x", gate.ErrNoBackup), "err.no-backup-yet"},
		{mailerr.New(mailerr.BadInput, "open archive", "/x", fmt.Errorf("%w (/x)", archive.ErrNothingSaved)), "err.nothing-saved-yet"},
	} {
		for _, lang := range []string{"en", "ja"} {
			setLanguage(lang)
			got := errMsg(c.err, "").String()
			if got != tr(c.key) || got == "" {
				t.Errorf("%s: errMsg(%v) = %q, want the window's own words", lang, c.err, got)
			}
		}
	}
	setLanguage("en")
	if got := errMsg(mailerr.New(mailerr.ReadOnlyFS, "write report", "/mnt/r.html", nil), "").String(); got != tr("err.read-only-fs", map[string]any{"Host": "/mnt/r.html"}) {
		t.Errorf("a read-only disk reads %q", got)
	}
}

// The window writes sizes as the command line and the report do: the same
// archive must not read 9.3 MB in one and 9.8 MB in the other.
func TestOneSizeConvention(t *testing.T) {
	for _, n := range []int64{0, 999, 1000, 1024, 9779962, 170 << 20, 3 << 30} {
		if got, want := formatBytes(n), progress.Bytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, the command line says %q", n, got, want)
		}
	}
}
