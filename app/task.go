package app

import (
	"context"
	"time"
)

// task is a screen's background job: at most one runs at a time, on its
// own context under the window's, and stop cancels it. Embedded in a
// screen, it gives the screen its running state and its stop; a screen
// with several jobs has a task field for each.
type task struct {
	running bool
	cancel  context.CancelFunc
}

// background marks the task running and runs work on a new context in the
// background; the function work returns runs on the UI goroutine once work
// is over (running false again; ctx.Err() there says whether the work
// was stopped, and the context is released after it). Call it from the UI
// goroutine.
func (k *task) background(u *ui, work func(ctx context.Context) (then func())) {
	ctx, cancel := context.WithCancel(u.root)
	k.start(ctx, cancel, u, work)
}

// backgroundWithin is background for work that is given at most d (a
// server that does not answer): ctx ends then.
func (k *task) backgroundWithin(u *ui, d time.Duration, work func(ctx context.Context) (then func())) {
	ctx, cancel := context.WithTimeout(u.root, d)
	k.start(ctx, cancel, u, work)
}

// start runs work on ctx, which cancel ends (see background).
func (k *task) start(ctx context.Context, cancel context.CancelFunc, u *ui, work func(ctx context.Context) (then func())) {
	k.running = true
	k.cancel = cancel
	u.goBackground(func() {
		then := work(ctx)
		u.do(func() {
			k.running = false
			then() // ctx still tells whether the work was stopped
			cancel()
		})
	})
}

// stop asks the running work to stop.
func (k *task) stop() {
	if k.cancel != nil {
		k.cancel()
	}
}
