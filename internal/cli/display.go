package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/limits"
	"github.com/mailark/mailark/internal/progress"
)

// display shows progress events: a redrawn bar on a terminal, a line every
// few seconds otherwise. Notices are always printed.
type display struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	quiet    bool
	lastLine time.Time
	drawn    bool
	now      func() time.Time
	lang     gate.Lang
}

// newDisplay writes to env's unwrapped standard error (the bar's own
// control sequences must pass), so every text from the engine in it goes
// through safe.
func newDisplay(env *Env, quiet bool) *display {
	w := env.rawStderr
	if w == nil {
		w = env.Stderr
	}
	return &display{w: w, tty: env.IsTerminal(int(os.Stderr.Fd())), quiet: quiet, now: time.Now,
		lang: gate.LangFromEnv(env.Getenv)}
}

func (d *display) sink(e progress.Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e.Kind == progress.Notice {
		d.notice(e)
		return
	}
	if d.quiet || e.Total == 0 && e.TotalBytes == 0 && e.Done == 0 {
		return // nothing planned yet (or a run that failed before): no "0/0" bar
	}
	line := statusLine(e, string(d.lang))
	if e.Step == progress.StepIndex {
		line = indexLine(d.lang, e)
	}
	if d.tty {
		fmt.Fprintf(d.w, "\r\033[K%s", line)
		d.drawn = true
		return
	}
	if now := d.now(); now.Sub(d.lastLine) >= 5*time.Second || (e.Total > 0 && e.Done == e.Total) {
		d.lastLine = now
		fmt.Fprintln(d.w, line)
	}
}

func (d *display) notice(e progress.Event) {
	n := e.Notice
	var msg string
	switch n.Kind {
	case progress.Retrying:
		msg = "retrying: " + safe(n.Text)
	case progress.MessageFailed:
		if n.UID != 0 {
			msg = fmt.Sprintf("could not save a message in %s (uid %d): %s", safe(e.Folder), n.UID, safe(n.Text))
		} else {
			msg = safe(n.Text)
		}
	case progress.FolderStarted:
		if d.quiet || d.tty {
			return // the bar shows the folder
		}
		msg = "starting " + safe(n.Text)
	case progress.FolderDone:
		if d.quiet || d.tty {
			return
		}
		msg = "finished " + safe(n.Text)
	case progress.Waiting:
		msg = safe(n.Text)
		var ex *limits.ExhaustedError
		if errors.As(n.Err, &ex) {
			msg = safe(ex.Waiting(string(d.lang), time.Local)) // in the user's language
		}
	default:
		msg = safe(n.Text)
	}
	d.clear()
	fmt.Fprintln(d.w, msg)
}

func (d *display) clear() {
	if d.tty && d.drawn {
		fmt.Fprint(d.w, "\r\033[K")
		d.drawn = false
	}
}

// done ends the bar's line.
func (d *display) done() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tty && d.drawn {
		fmt.Fprintln(d.w)
		d.drawn = false
	}
}

func statusLine(e progress.Event, lang string) string {
	pct := 0.0
	switch {
	case e.TotalBytes > 0:
		pct = float64(e.Bytes) / float64(e.TotalBytes)
	case e.Total > 0:
		pct = float64(e.Done) / float64(e.Total)
	}
	pct = max(0, min(pct, 1))
	const width = 24
	n := int(pct * width)
	n = max(0, min(n, width))
	bar := strings.Repeat("█", n) + strings.Repeat("░", width-n)
	s := fmt.Sprintf("%s %3.0f%%  %d/%d messages  %s/%s", bar, pct*100, e.Done, e.Total, progress.Bytes(e.Bytes), progress.Bytes(e.TotalBytes))
	if e.Rate > 0 {
		s += fmt.Sprintf("  %s/s", progress.Bytes(int64(e.Rate)))
	}
	if w := limits.ETAWords(e.Budget, lang, e.ETA, e.TotalBytes-e.Bytes); w != "" {
		s += "  " + w // "about 2 days: Gmail allows 2.5 GB a day"
	} else if e.ETA > 0 {
		s += "  " + e.ETA.String() + " left"
	}
	if e.Folder != "" {
		s += "  " + safe(e.Folder)
	}
	return s
}
