//go:build linux

package archive_test

import (
	"os"
	"testing"

	"github.com/mailark/mailark/internal/testimap"
)

// tally counts the hostile files the tests plant (links, pipes, crafted
// database paths, mbox files rewritten or damaged), as bad inputs.
var tally testimap.Tally

func TestMain(m *testing.M) {
	code := m.Run()
	tally.Report("archive reliability", "reliability-archive.txt")
	os.Exit(code)
}
