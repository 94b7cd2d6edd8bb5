package testimap

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// Tally counts, over a whole test binary, what its reliability tests did:
// faults injected, kills, bad inputs, and of the messages then checked
// against the server how many were lost or duplicated. The package's
// TestMain calls Report after the tests.
type Tally struct {
	Faults, Kills, BadInputs, Checked, Lost, Dups atomic.Int64
}

// Report prints the tally as one line, "label: N faults injected, N kills,
// N bad inputs, N messages checked, N lost, N duplicated", when a fault, a
// kill or a bad input was counted, and writes the line to file in
// $MAILARK_REPORT_DIR: go test hides a passing package's output, and CI
// prints the file.
func (t *Tally) Report(label, file string) {
	if t.Faults.Load()+t.Kills.Load()+t.BadInputs.Load() == 0 {
		return
	}
	line := fmt.Sprintf("%s: %d faults injected, %d kills, %d bad inputs, %d messages checked, %d lost, %d duplicated\n",
		label, t.Faults.Load(), t.Kills.Load(), t.BadInputs.Load(), t.Checked.Load(), t.Lost.Load(), t.Dups.Load())
	fmt.Print(line)
	if dir := os.Getenv("MAILARK_REPORT_DIR"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err == nil {
			os.WriteFile(filepath.Join(dir, file), []byte(line), 0o644)
		}
	}
}

// Main is a package's TestMain with a tally: it runs the tests, reports the
// tally (see Report) and exits with the tests' status.
func (t *Tally) Main(m *testing.M, label, file string) {
	code := m.Run()
	t.Report(label, file)
	os.Exit(code)
}
