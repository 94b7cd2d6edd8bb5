package app

import (
	"sync"

	"fyne.io/fyne/v2"

	"github.com/mailark/mailark/internal/progress"
)

// eventPump carries progress events from engine goroutines to the UI. The
// engine already sends at most five Status events a second; the pump
// merges whatever arrives while an update is waiting into that one update
// (the newest Status plus every Notice), so there is never more than one
// fyne.Do in flight however fast events come.
type eventPump struct {
	apply func(last progress.Event, haveStatus bool, notices []progress.Event) // on the UI goroutine
	do    func(func())                                                         // fyne.Do; tests replace it

	mu         sync.Mutex
	last       progress.Event
	haveStatus bool
	notices    []progress.Event
	pending    bool
	flushes    int // updates applied, for tests
}

func newEventPump(apply func(last progress.Event, haveStatus bool, notices []progress.Event)) *eventPump {
	return &eventPump{apply: apply, do: fyne.Do}
}

// maxQueuedNotices bounds the notices kept between two updates; a server
// failing thousands of messages at once must not grow memory. The Summary
// the run returns has every failure anyway.
const maxQueuedNotices = 200

// sink is the progress.Sink given to the engine. It returns at once.
func (p *eventPump) sink(e progress.Event) {
	p.mu.Lock()
	// The index stage's Status (a backup's last) travels with the notices:
	// merged as the newest Status it would hide the backup's final one.
	if e.Kind == progress.Notice || e.Step == progress.StepIndex {
		if len(p.notices) < maxQueuedNotices {
			p.notices = append(p.notices, e)
		}
	} else {
		p.last, p.haveStatus = e, true
	}
	if p.pending {
		p.mu.Unlock()
		return
	}
	p.pending = true
	p.mu.Unlock()
	p.do(p.flush)
}

func (p *eventPump) flush() {
	p.mu.Lock()
	last, have, notices := p.last, p.haveStatus, p.notices
	p.notices, p.haveStatus, p.pending = nil, false, false
	p.flushes++
	p.mu.Unlock()
	p.apply(last, have, notices)
}
