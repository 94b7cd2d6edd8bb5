//go:build linux

package archive_test

import (
	"testing"

	"github.com/mailark/mailark/internal/testimap"
)

// tally counts the hostile files the tests plant (links, pipes, crafted
// database paths, mbox files rewritten or damaged), as bad inputs.
var tally testimap.Tally

func TestMain(m *testing.M) {
	tally.Main(m, "archive reliability", "reliability-archive.txt")
}
