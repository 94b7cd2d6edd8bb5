package cli

import (
	"os"
	"strings"
	"sync"
)

// The passwords in MAILARK_PASSWORD and MAILARK_TO_PASSWORD must not stay
// readable in the process's environment. os.Unsetenv is not enough: on
// Linux /proc/PID/environ shows the environment the process was started
// with, whatever it changes later. So, where the system lets a process
// re-execute its own program (Linux: /proc/self/exe), HidePasswords starts
// the program again in the same process without those variables, handing
// the passwords over through an inherited pipe (never argv), and the new
// image reads them back from there. Elsewhere the variables are only
// removed from Go's copy of the environment (the README says so and
// recommends --password-file).

// passwordVars are the variables HidePasswords takes out.
var passwordVars = []string{"MAILARK_PASSWORD", "MAILARK_TO_PASSWORD"}

// handoffVar names the descriptor of the pipe holding the passwords, in
// the re-executed program. It holds a number, never a password.
const handoffVar = "MAILARK_PASSWORD_HANDOFF_FD"

// handed holds the passwords read from the pipe; OSEnv's Getenv reads it
// before the environment.
var handed struct {
	sync.Mutex
	vars map[string]string
}

// HidePasswords is called first thing by main, before any other goroutine
// of ours starts. When a password variable is set it re-executes the
// program without it (it does not return then, unless that fails); in the
// re-executed program it reads the passwords back. It returns a warning
// for the user when the password could not be taken out of the process's
// initial environment, else "".
func HidePasswords() string {
	if fd := os.Getenv(handoffVar); fd != "" {
		os.Unsetenv(handoffVar)
		readHandoff(fd)
		return ""
	}
	var found []string
	for _, k := range passwordVars {
		if _, ok := os.LookupEnv(k); ok {
			found = append(found, k)
		}
	}
	if len(found) == 0 {
		return ""
	}
	err := reexecWithout(found) // returns only on failure
	// Keep the values for this process; remove them from Go's environment
	// (and so from child processes).
	keep := map[string]string{}
	for _, k := range found {
		keep[k] = os.Getenv(k)
		os.Unsetenv(k)
	}
	setHanded(keep)
	if err == nil {
		return ""
	}
	return strings.Join(found, " and ") + " could not be removed from this process's environment (" + err.Error() +
		"): other programs of your user can read it while Mailark runs. Use --password-file instead."
}

func setHanded(vars map[string]string) {
	handed.Lock()
	handed.vars = vars
	handed.Unlock()
}

// osGetenv is os.Getenv, with the handed-over passwords first.
func osGetenv(k string) string {
	handed.Lock()
	v, ok := handed.vars[k]
	handed.Unlock()
	if ok {
		return v
	}
	return os.Getenv(k)
}

// osUnsetenv is os.Unsetenv, forgetting a handed-over password too.
func osUnsetenv(k string) error {
	handed.Lock()
	delete(handed.vars, k)
	handed.Unlock()
	return os.Unsetenv(k)
}

// encodeHandoff and decodeHandoff are the pipe's format: NAME=value pairs,
// each ended by NUL (which no environment variable holds).
func encodeHandoff(vars map[string]string) []byte {
	var b strings.Builder
	for k, v := range vars {
		b.WriteString(k + "=" + v + "\x00")
	}
	return []byte(b.String())
}

func decodeHandoff(b []byte) map[string]string {
	vars := map[string]string{}
	for _, kv := range strings.Split(string(b), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	return vars
}
