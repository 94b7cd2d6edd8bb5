//go:build screenshots

package app

import (
	"fmt"
	"image"
	"image/png"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
)

// scriptBuilt: this build has the screenshot driver (-tags screenshots).
const scriptBuilt = true

// runScript walks the real window through every screen by itself and saves
// a picture of the window after each step: the CI screenshot step
// (MAILARK_GUI_SCRIPT=1, scripts/gui-screenshots.sh). It drives the same
// handlers a person's clicks do, waits for the work each starts, captures
// the window's own canvas (no screen grabbing, no timing guesses), and
// quits. Meant for `mailark demo`. Built only with -tags screenshots
// (make test-gui): the shipped binary has no driver.
func (u *ui) runScript(dir string) {
	defer fyne.Do(u.app.Quit)
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Printf("screenshot script: %v", err)
		return
	}
	n := 0
	settle := func() {
		// Let work started by the last action finish, including the
		// fyne.Do it ends with and any work that one starts.
		for i := 0; i < 50; i++ {
			u.waitBackground()
			fyne.DoAndWait(func() {})
			if u.bg.running() == 0 {
				break
			}
		}
		time.Sleep(400 * time.Millisecond) // one more frame for layout and scroll bars
	}
	shot := func(name string, w fyne.Window) {
		n++
		path := filepath.Join(dir, fmt.Sprintf("%02d-%s-%s.png", n, name, current))
		var img image.Image
		var size fyne.Size
		var scale float32
		fyne.DoAndWait(func() {
			img = w.Canvas().Capture()
			size, scale = w.Canvas().Size(), w.Canvas().Scale()
		})
		var err error
		if blank(img) {
			// Some GL drivers (Mesa under Xvfb) give nothing back from the
			// front buffer: ask the X server for the window's pixels
			// instead. Without a window manager the window is at 0,0.
			geo := fmt.Sprintf("%dx%d+0+0", int(size.Width*scale), int(size.Height*scale))
			out, cerr := exec.Command("import", "-window", "root", "-crop", geo, "+repage", path).CombinedOutput()
			if cerr != nil {
				err = fmt.Errorf("canvas capture was blank and import failed: %v: %s", cerr, out)
			}
		} else {
			err = writePNG(path, img)
		}
		if err != nil {
			log.Printf("screenshot %s: %v", name, err)
			return
		}
		log.Printf("screenshot: %s", path)
	}
	do := func(f func()) {
		fyne.DoAndWait(f)
		settle()
	}
	// A job started and stopped at once shows "Stopped — run again to
	// continue" (the stopped shot); run again, it finishes (the done shot).
	stopThenFinish := func(start, stop, again func(), stopped, done string) {
		do(func() {
			start()
			stop()
		})
		shot(stopped, u.win)
		do(again)
		shot(done, u.win)
	}

	settle()
	shot("account", u.win)

	good := u.acct.Password
	do(func() {
		u.account.password.SetText("not-the-password")
		u.account.test(nil)
	})
	shot("account-wrong-password", u.win)

	do(func() {
		u.account.password.SetText(good.Reveal())
		u.account.test(nil)
	})
	shot("account-connected", u.win)

	do(u.account.next)
	shot("check", u.win)

	// The demo customer's older mail is only in Thunderbird on this
	// computer (the demo's own home): the step lists it and says so.
	do(u.survey.start)
	shot("where-is-your-mail", u.win)

	// The backup starts from the mail apps' step.
	stopThenFinish(u.mailApps.start, u.backup.stop, u.backup.start, "backup-stopped", "backup-done")

	// Before the contacts are exported: the gate is red, each reason
	// with its button, and the step bar ticks no Contacts.
	do(func() { u.goTo(stepVerify) })
	shot("safe-to-remove-not-yet", u.win)

	do(func() { u.goTo(stepContacts) })
	shot("contacts", u.win)

	// The file dialog, in the window's language.
	do(u.contacts.chooseFile)
	shot("contacts-save-dialog", u.win)
	do(func() {
		if top := u.win.Canvas().Overlays().Top(); top != nil {
			u.win.Canvas().Overlays().Remove(top)
		}
	})

	out := filepath.Join(os.TempDir(), fmt.Sprintf("mailark-screenshot-contacts-%s.vcf", current))
	do(func() { u.contacts.exportTo(out) })
	shot("contacts-saved", u.win)

	// The backup copied the demo customer's Thunderbird with the server;
	// the red reason's button would copy what is left, then check again.
	do(func() { u.goTo(stepVerify) })
	do(u.verify.importStores)
	shot("safe-to-remove", u.win)

	do(u.openArchiveView)
	if v := u.viewer; v != nil {
		do(func() {
			v.search.SetText("会議")
			v.runSearch("会議")
		})
		do(func() {
			if len(v.msgs) > 0 {
				v.msgList.Select(0)
			}
		})
		shot("archive-search", v.win)
		// A message with attachments: each with Open and Save….
		for i := 0; i < len(v.msgs) && i < 30; i++ {
			do(func() { v.msgList.Select(i) })
			if v.shown != nil && len(v.shown.Attachments) > 0 {
				shot("archive-attachments", v.win)
				break
			}
		}
		do(func() { v.win.Close() })
	}

	do(func() { u.goTo(stepDone) })
	shot("done", u.win)

	// Step 6, into the demo's second account (empty, on the same server).
	do(u.openMigrate)
	shot("move-account", u.win)

	do(u.migrate.connect)
	shot("move-folders", u.win)

	stopThenFinish(u.migrate.start, u.migrate.stop, u.migrate.start, "move-stopped", "move-done")

	do(u.migrate.toAnnounce)
	shot("announce", u.win)

	do(u.migrate.ann.save)
	shot("announce-saved", u.win)

	do(func() { u.goTo(stepDone) })
	shot("done-moved", u.win)
}

// blank reports whether every pixel of img is the same colour.
func blank(img image.Image) bool {
	if img == nil {
		return true
	}
	b := img.Bounds()
	if b.Empty() {
		return true
	}
	r0, g0, b0, a0 := img.At(b.Min.X, b.Min.Y).RGBA()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			if r != r0 || g != g0 || bl != b0 || a != a0 {
				return false
			}
		}
	}
	return true
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
