package main

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"
)

// diskPeak samples, every 50 ms until the returned function is called, the
// bytes of every file under dir (the archive folder: database, WAL, mbox
// files, tmp/) and returns, when stopped, a note with the peak, the WAL's
// peak and the size at the end, each also as a multiple of mailBytes. A
// measurement, not the run's clock.
func diskPeak(dir string, mailBytes int64) (stop func() string) {
	done := make(chan struct{})
	finished := make(chan struct{})
	var peak, peakWAL, last int64
	go func() {
		defer close(finished)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			total, wal := dirBytes(dir)
			peak, peakWAL, last = max(peak, total), max(peakWAL, wal), total
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() string {
		close(done)
		<-finished
		last, _ = dirBytes(dir)
		ratio := func(n int64) string {
			if mailBytes <= 0 {
				return ""
			}
			return fmt.Sprintf(" (%.2f× the mail)", float64(n)/float64(mailBytes))
		}
		return fmt.Sprintf("disk peak: %.1f MiB%s, of it the WAL at most %.1f MiB; %.1f MiB at the end%s",
			float64(peak)/(1<<20), ratio(peak), float64(peakWAL)/(1<<20), float64(last)/(1<<20), ratio(last))
	}
}

// dirBytes sums the sizes of the files under dir, and of its -wal files.
func dirBytes(dir string) (total, wal int64) {
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			total += info.Size()
			if strings.HasSuffix(p, "-wal") {
				wal += info.Size()
			}
		}
		return nil
	})
	return total, wal
}
