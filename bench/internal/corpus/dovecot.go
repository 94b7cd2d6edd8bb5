package corpus

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mailark/mailark/internal/testimap"
)

// Flags are the command line of the benchmarks that seed this corpus into
// a private Dovecot.
type Flags struct {
	N          int    // messages to seed
	Seed       uint64 // the corpus seed
	Keep       bool   // keep the work folder
	CPUProfile string // where to write a CPU profile ("": none)
}

// Main parses the flags (cpuProfile says what -cpuprofile profiles) and
// calls run; an error from it ends the process with status 1, its line
// starting with name.
func Main(name, cpuProfile string, run func(Flags) error) {
	var f Flags
	flag.IntVar(&f.N, "n", 20000, "messages to seed")
	flag.Uint64Var(&f.Seed, "seed", 1, "corpus seed")
	flag.BoolVar(&f.Keep, "keep", false, "keep the work folder (Dovecot's mail and the archive)")
	flag.StringVar(&f.CPUProfile, "cpuprofile", "", cpuProfile)
	flag.Parse()
	if err := run(f); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// User and Password are the one account the corpus is seeded into.
const User, Password = "hanako@old-isp.example", "bench-password"

// Dovecot starts a private Dovecot (internal/testimap's launcher) with the
// account User, in a new work folder whose name starts with prefix. stop
// stops Dovecot and removes the work folder unless keep.
func Dovecot(prefix string, keep bool) (d *testimap.Dovecot, work string, stop func(), err error) {
	work, err = os.MkdirTemp("", prefix)
	if err != nil {
		return nil, "", nil, err
	}
	remove := func() {
		if !keep {
			os.RemoveAll(work)
		}
	}
	// As root, Dovecot's mail user must reach work/dovecot/home.
	if err := os.Chmod(work, 0o755); err != nil {
		remove()
		return nil, "", nil, err
	}
	d, err = testimap.LaunchDovecot(filepath.Join(work, "dovecot"), testimap.DovecotUser{Name: User, Password: Password})
	if err != nil {
		remove()
		return nil, "", nil, fmt.Errorf("start dovecot: %w", err)
	}
	return d, work, func() { d.Close(); remove() }, nil
}
