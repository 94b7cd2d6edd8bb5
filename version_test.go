package main

import (
	"os"
	"regexp"
	"testing"

	"github.com/mailark/mailark/internal/cli"
)

// TestOneVersion: the binary, the command line and the window show the
// version FyneApp.toml states.
func TestOneVersion(t *testing.T) {
	b, err := os.ReadFile("FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*Version\s*=\s*"([^"]+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal("FyneApp.toml states no Version")
	}
	if got := version(); got != string(m[1]) {
		t.Errorf("version() = %q, want FyneApp.toml's %q", got, m[1])
	}
	setVersion()
	if cli.Version != string(m[1]) {
		t.Errorf("cli.Version = %q after setVersion, want %q", cli.Version, m[1])
	}
}
