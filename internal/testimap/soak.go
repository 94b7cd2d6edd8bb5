package testimap

import (
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
