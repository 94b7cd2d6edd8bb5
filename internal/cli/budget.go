package cli

import (
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/limits"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/settings"
)

// LimitsFile is the providers' limits file in the settings folder, read
// when --limits is not given.
const LimitsFile = "limits.json"

// limitFlags are the flags about the providers' limits.
type limitFlags struct {
	file *string
	wait *bool
	lang *string
}

func addLimitFlags(fs *flag.FlagSet, env *Env, verb string) limitFlags {
	return limitFlags{
		file: fs.String("limits", "", "providers' limits file (JSON: connections, daily budgets, throttling answers; see README); default: "+LimitsFile+" in the settings folder, if there"),
		wait: fs.Bool("wait-for-budget", false, "when the provider's daily budget is used up, wait until it renews and go on (default: stop, and say when to run again) — "+verb),
		lang: addLangFlag(fs, env),
	}
}

// table is the limits in force: --limits FILE, else the settings folder's
// file when there is one, else the built-in table.
func (l limitFlags) table() (*limits.Table, error) {
	if *l.file != "" {
		t, err := limits.Load(*l.file)
		if err != nil {
			return nil, mailerr.New(mailerr.BadInput, "read limits", *l.file, err)
		}
		return t, nil
	}
	dir, err := settings.DefaultDir()
	if err != nil {
		return limits.Default(), nil
	}
	p := filepath.Join(dir, LimitsFile)
	t, err := limits.LoadOptional(p)
	if err != nil {
		return nil, mailerr.New(mailerr.BadInput, "read limits", p, err)
	}
	return t, nil
}

// budgetStop prints the one line of a run stopped for the day's budget and
// returns its exit code (3: not all the mail yet), or false for another
// error.
func (l limitFlags) budgetStop(env *Env, err error) (int, bool) {
	var ex *limits.ExhaustedError
	if !errors.As(err, &ex) {
		return 0, false
	}
	fmt.Fprintln(env.Stderr, "mailark:", safe(ex.Text(string(gate.ParseLang(*l.lang)), time.Local)))
	return ExitFailures, true
}
