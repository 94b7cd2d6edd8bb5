package gate_test

import (
	"testing"

	"github.com/mailark/mailark/internal/testimap"
)

// tally counts, over the whole test binary, what the gate's hostile and
// fault tests did; .ci/run adds it to the reliability line.
var tally testimap.Tally

func TestMain(m *testing.M) {
	tally.Main(m, "reliability (gate)", "reliability-gate.txt")
}
