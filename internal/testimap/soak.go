package testimap

import (
	"flag"
	"fmt"
	"os"
	"strconv"
)

// EnvSoak multiplies how many times every fault loop runs (cut points,
// kills, refused commands, disk fills): `make soak` sets it to 10. Unset,
// the loops run CI's counts.
const EnvSoak = "MAILARK_SOAK"

// Soak returns n times $MAILARK_SOAK (n when unset or not a positive
// number). Fault loops use it for the default of their count flag.
func Soak(n int) int {
	m, err := strconv.Atoi(os.Getenv(EnvSoak))
	if err != nil || m < 1 {
		return n
	}
	return n * m
}

// SoakFlag defines the count flag of a fault loop: name, default Soak(n),
// and usage followed by "(default n times $MAILARK_SOAK)".
func SoakFlag(name string, n int, usage string) *int {
	return flag.Int(name, Soak(n), fmt.Sprintf("%s (default %d times $%s)", usage, n, EnvSoak))
}
