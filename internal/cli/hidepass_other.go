//go:build !linux

package cli

import "errors"

// reexecWithout cannot re-execute the program here (no /proc/self/exe):
// the variable stays in the process's initial environment.
func reexecWithout([]string) error {
	return errors.New("this system cannot restart Mailark without it")
}

func readHandoff(string) {}
