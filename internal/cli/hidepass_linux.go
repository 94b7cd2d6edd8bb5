package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// maxHandoff bounds what goes through the pipe: it is written whole before
// exec, so it must fit in the pipe's buffer (64 KiB on Linux).
const maxHandoff = 32 << 10

// reexecWithout executes /proc/self/exe again, same arguments, with the
// environment minus vars plus handoffVar naming a pipe that holds them.
// It returns only when that is impossible.
func reexecWithout(vars []string) error {
	exe := "/proc/self/exe"
	if _, err := os.Stat(exe); err != nil {
		return err
	}
	values := map[string]string{}
	for _, k := range vars {
		values[k] = os.Getenv(k)
	}
	data := encodeHandoff(values)
	if len(data) > maxHandoff {
		return errors.New("the password is too long to hand over")
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		r.Close()
		w.Close()
		return err
	}
	w.Close()
	// The read end must survive exec: clear its close-on-exec flag.
	rfd := int(r.Fd())
	if _, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(rfd), syscall.F_SETFD, 0); e != 0 {
		r.Close()
		return e
	}
	env := []string{handoffVar + "=" + strconv.Itoa(rfd)}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !contains(vars, k) && k != handoffVar {
			env = append(env, kv)
		}
	}
	err = syscall.Exec(exe, os.Args, env)
	r.Close()
	return fmt.Errorf("re-execute %s: %w", exe, err)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// readHandoff reads the passwords from the inherited pipe fd and closes it.
func readHandoff(fd string) {
	n, err := strconv.Atoi(fd)
	if err != nil || n < 3 {
		return
	}
	var st syscall.Stat_t
	if syscall.Fstat(n, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		return // not the pipe we made
	}
	f := os.NewFile(uintptr(n), "password handoff")
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, maxHandoff+1))
	vars := decodeHandoff(b)
	for k := range vars {
		if !contains(passwordVars, k) {
			delete(vars, k)
		}
	}
	setHanded(vars)
}
