package gate_test

import (
	"testing"
	"time"

	"github.com/mailark/mailark/internal/testimap"
)

// tally counts, over the whole test binary, what the gate's hostile and
// fault tests did; .ci/run adds it to the reliability line.
var tally testimap.Tally

func TestMain(m *testing.M) {
	// Times are shown in the user's zone: the goldens are in UTC.
	time.Local = time.UTC
	tally.Main(m, "reliability (gate)", "reliability-gate.txt")
}
