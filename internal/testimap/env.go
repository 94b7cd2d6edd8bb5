package testimap

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Environment variables that decide which integration tests run.
const (
	// EnvDovecot set to "1" runs the tests that start a private Dovecot.
	EnvDovecot = "MAILARK_TEST_DOVECOT"
	// EnvNoSkip is a comma list of test kinds ("dovecot", "python", "xvfb",
	// or "all") that must not skip: a test that would skip fails instead.
	// CI sets it, so a missing tool cannot pass as a skipped test.
	EnvNoSkip = "MAILARK_TEST_NO_SKIP"
)

// SkipUnless skips t when ok is false, saying why. When MAILARK_TEST_NO_SKIP
// names what (or "all"), it fails the test instead.
func SkipUnless(t testing.TB, what string, ok bool, why string) {
	t.Helper()
	if ok {
		return
	}
	if noSkip(what) {
		t.Fatalf("%s: %s (not skipped: %s=%s)", what, why, EnvNoSkip, os.Getenv(EnvNoSkip))
		return
	}
	t.Skipf("%s: %s", what, why)
}

// RequireDovecot skips t unless MAILARK_TEST_DOVECOT=1 and the dovecot
// binary is installed (`make deps` installs it). With "dovecot" in
// MAILARK_TEST_NO_SKIP it fails instead of skipping.
func RequireDovecot(t testing.TB) {
	t.Helper()
	SkipUnless(t, "dovecot", os.Getenv(EnvDovecot) == "1",
		"set "+EnvDovecot+"=1 to run tests against a private Dovecot")
	_, err := sbinPath("dovecot")
	SkipUnless(t, "dovecot", err == nil,
		"dovecot is not installed (make deps installs dovecot-imapd)")
}

// Python is the path of the Python interpreter MAILARK_PYTHON names
// (default python3); without one it skips t, or fails it with "python" in
// MAILARK_TEST_NO_SKIP.
func Python(t testing.TB) string {
	t.Helper()
	p := os.Getenv("MAILARK_PYTHON")
	if p == "" {
		p = "python3"
	}
	return Tool(t, "python", p, "python3 not found")
}

// Chromium is the path of Debian's chromium, for the tests that print or
// drive a page with it; without it, it skips t (see SkipUnless).
func Chromium(t testing.TB) string {
	t.Helper()
	return Tool(t, "chromium", "chromium", "chromium is not installed (make deps installs Debian's chromium)")
}

// Tool is the path of the program name; without it, it skips t, or fails it
// when MAILARK_TEST_NO_SKIP names what (see SkipUnless), saying why, and
// returns "".
func Tool(t testing.TB, what, name, why string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	SkipUnless(t, what, err == nil, why)
	return path
}

func noSkip(what string) bool {
	for _, w := range strings.Split(os.Getenv(EnvNoSkip), ",") {
		w = strings.TrimSpace(w)
		if w == what || w == "all" {
			return true
		}
	}
	return false
}

// sbinPath finds a system daemon's binary, also where a non-root PATH
// leaves out /usr/sbin.
func sbinPath(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
		if p, err2 := exec.LookPath(dir + "/" + name); err2 == nil {
			return p, nil
		}
	}
	return "", err
}
