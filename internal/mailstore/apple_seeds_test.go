package mailstore

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func seedsWanted() bool { return os.Getenv("MAILARK_WRITE_SEEDS") != "" }

// writeSeeds writes one-argument []byte seeds in Go's fuzz corpus format.
func writeSeeds(t *testing.T, fuzzName string, seeds [][]byte) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", fuzzName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range seeds {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		name := fmt.Sprintf("%x", sha256.Sum256([]byte(body)))[:16]
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
