// Package steps times a benchmark's steps one after another in this
// process: the wall time and peak RSS of each (the process's VmHWM, reset
// before it), a line as each ends, and the table of all of them at the end,
// each against the first.
package steps

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"text/tabwriter"
	"time"

	"github.com/mailark/mailark/bench/internal/proc"
)

// Table holds the steps run so far.
type Table struct {
	rows []row
}

type row struct {
	step    string
	took    time.Duration
	rssKiB  int64
	outcome string
}

// Run times f after a garbage collection, prints its line and keeps its row.
// f returns what it did in a few words; its error, named after the step,
// ends the benchmark.
func (t *Table) Run(name string, f func() (string, error)) error {
	runtime.GC()
	debug.FreeOSMemory()
	proc.ResetPeakRSS()
	start := time.Now()
	out, err := f()
	r := row{step: name, took: time.Since(start), rssKiB: proc.PeakRSS(), outcome: out}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	t.rows = append(t.rows, r)
	fmt.Printf("%-16s %6.1f s  %s\n", name, r.took.Seconds(), out)
	return nil
}

// Print writes the table: each step's wall time, its ratio to the first
// step's (the column "× first", first naming it), the rates over messages
// and wireBytes, its peak RSS and its outcome.
func (t *Table) Print(w io.Writer, first string, messages int, wireBytes int64) {
	if len(t.rows) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "step\t wall s\t × %s\t msgs/s\t MB/s\t peak RSS MB\t result\t\n", first)
	base := t.rows[0].took.Seconds()
	for _, r := range t.rows {
		s := r.took.Seconds()
		fmt.Fprintf(tw, "%s\t %.1f\t %.2f\t %.0f\t %.0f\t %.0f\t %s\t\n", r.step, s, s/base,
			float64(messages)/s, float64(wireBytes)/1e6/s, float64(r.rssKiB)/1024, r.outcome)
	}
	tw.Flush()
}
