package progress

import "time"

// Rate measures a cumulative counter's speed over a sliding window.
type Rate struct {
	window  time.Duration
	samples []sample
}

type sample struct {
	at    time.Time
	total int64
}

// NewRate returns a Rate over the given window.
func NewRate(window time.Duration) *Rate { return &Rate{window: window} }

// Add records that the counter stood at total at time now. Samples closer than
// a second to the previous one replace it, so memory stays small.
func (r *Rate) Add(now time.Time, total int64) {
	n := len(r.samples)
	if n >= 2 && now.Sub(r.samples[n-2].at) < time.Second {
		r.samples[n-1] = sample{now, total}
	} else {
		r.samples = append(r.samples, sample{now, total})
	}
	cut := 0
	for cut < len(r.samples)-1 && now.Sub(r.samples[cut].at) > r.window {
		cut++
	}
	if cut > 0 {
		r.samples = append(r.samples[:0], r.samples[cut:]...)
	}
}

// PerSecond returns the rate over the window, 0 when not yet known.
func (r *Rate) PerSecond() float64 {
	if len(r.samples) < 2 {
		return 0
	}
	first, last := r.samples[0], r.samples[len(r.samples)-1]
	d := last.at.Sub(first.at).Seconds()
	if d <= 0 {
		return 0
	}
	return float64(last.total-first.total) / d
}
