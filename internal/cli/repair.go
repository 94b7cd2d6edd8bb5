package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mailark/mailark/internal/archive"
)

// runRepair mends the archive's two copies from each other: mbox files
// changed outside Mailark are rebuilt from SQLite, SQLite's bytes from an
// intact mbox entry. Exit 0 when nothing is left damaged, 3 when some
// message has no intact copy (named), 1 on an error.
func runRepair(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "repair", "--archive DIR\n\n"+
		"Exit status: 0 both copies of every message are intact again (or were); 3 some messages have no intact copy (listed); 1 error.")
	dir := fs.String("archive", "", "archive folder to repair")
	verbose := fs.Bool("verbose", false, "print error details")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *dir == "" {
		return required(fs, "--archive DIR", "")
	}
	a, err := archive.OpenForCheck(ctx, *dir, archive.Options{})
	if err != nil {
		return fail(env.Stderr, err, *verbose)
	}
	defer a.Close()
	rep, err := archive.Repair(ctx, a)
	printRepair(env.Stdout, rep, *dir)
	if err != nil {
		return fail(env.Stderr, err, *verbose)
	}
	if rep.Unrepaired() > 0 {
		return ExitFailures
	}
	return ExitOK
}

func printRepair(w io.Writer, rep archive.RepairReport, dir string) {
	for _, f := range rep.Folders {
		name := strconv.Quote(f.Folder)
		if !f.Current {
			name += fmt.Sprintf(" (older generation, UIDVALIDITY %d)", f.UIDValidity)
		}
		if len(f.StoredRestored) > 0 {
			fmt.Fprintf(w, "%s: SQLite's copy of %d message(s) restored from the mbox file (uid %s)\n",
				name, len(f.StoredRestored), uids(f.StoredRestored))
		}
		switch {
		case f.Rebuilt && f.KeptAs != "":
			fmt.Fprintf(w, "%s: %s rebuilt from SQLite (%s); the damaged file is kept as %s\n", name, f.MboxPath, f.Why, f.KeptAs)
		case f.Rebuilt:
			fmt.Fprintf(w, "%s: %s rebuilt from SQLite (%s)\n", name, f.MboxPath, f.Why)
		case f.Why != "":
			fmt.Fprintf(w, "%s: %s NOT rebuilt (%s)\n", name, f.MboxPath, f.Why)
		}
		if len(f.Unrepairable) > 0 {
			fmt.Fprintf(w, "%s: NOT REPAIRED: %d message(s) have no intact copy, in SQLite nor in the mbox file (uid %s)\n",
				name, len(f.Unrepairable), uids(f.Unrepairable))
		}
	}
	switch {
	case len(rep.Folders) == 0:
		fmt.Fprintf(w, "%d folder(s) checked: SQLite and the mbox files agree; nothing to repair.\n", rep.Checked)
	case rep.Unrepaired() > 0:
		fmt.Fprintf(w, "%d message(s) could not be repaired: restore the archive folder from a copy, or keep the server's mail.\n", rep.Unrepaired())
	default:
		fmt.Fprintf(w, "Repaired. Run mailark verify --archive %s to check the archive against the server again.\n", dir)
	}
}

func uids(list []uint32) string {
	s := make([]string, 0, min(len(list), 20))
	for i, u := range list {
		if i == 20 {
			s = append(s, fmt.Sprintf("and %d more", len(list)-20))
			break
		}
		s = append(s, strconv.FormatUint(uint64(u), 10))
	}
	return strings.Join(s, ", ")
}
