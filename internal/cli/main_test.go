package cli_test

import (
	"os"
	"testing"

	"github.com/mailark/mailark/internal/testimap"
)

// tally counts the hostile inputs the command line was given, for the
// reliability line CI prints.
var tally testimap.Tally

func TestMain(m *testing.M) {
	code := m.Run()
	tally.Report("reliability (command line)", "reliability-cli.txt")
	os.Exit(code)
}
