package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/testimap"
)

// tally counts the hostile inputs the command line was given, for the
// reliability line CI prints.
var tally testimap.Tally

// childVar makes the test binary act as the mailark program: main's
// wiring, with the command line from childArgsVar (JSON).
const (
	childVar     = "MAILARK_CLI_CHILD"
	childArgsVar = "MAILARK_CLI_ARGS"
)

func TestMain(m *testing.M) {
	if os.Getenv(childVar) == "1" {
		os.Exit(childMain())
	}
	tally.Main(m, "reliability (command line)", "reliability-cli.txt")
}

// childMain is what main.go does.
func childMain() int {
	if w := cli.HidePasswords(); w != "" {
		fmt.Fprintln(os.Stderr, "mailark: warning:", w)
	}
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv(childArgsVar)), &args); err != nil {
		fmt.Fprintln(os.Stderr, "child: bad arguments:", err)
		return 2
	}
	return cli.Main(context.Background(), cli.OSEnv(), args)
}
