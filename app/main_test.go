package app

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	// Fyne reads the locale from the environment; "C" (as in CI) makes it
	// log a parse error on every lookup.
	os.Setenv("LANG", "en_US.UTF-8")
	os.Exit(m.Run())
}
