package testimap

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/progress"
)

// envChild names, in a child process of a kill test, the test it runs.
const envChild = "MAILARK_KILL_CHILD"

// SkipUnlessChild skips a kill test's child test unless this process is
// that child. The child prints "started", then one line beginning with
// "event" per progress event, then "finished <result>", until it is killed.
func SkipUnlessChild(t testing.TB) {
	t.Helper()
	if os.Getenv(envChild) != t.Name() {
		t.Skip("only run as the child process of a kill test")
	}
}

// SkipIfShort skips a kill test under -short: it spawns processes.
func SkipIfShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("spawns processes")
	}
}

// KillEnv is what a kill test passes its child process: the port of the
// server (on 127.0.0.1), the account and the archive folder; where the
// test needs them, the server's CA file (TLS), a home folder with mail-app
// stores, and the event at which the child stops for good to be killed.
type KillEnv struct {
	Port           int
	User, Password string
	Archive        string
	CAFile         string
	Home           string
	At             int
}

// Environ is e as environment lines for KillChild.
func (e KillEnv) Environ() []string {
	return []string{"MAILARK_KILL_PORT=" + strconv.Itoa(e.Port), "MAILARK_KILL_USER=" + e.User,
		"MAILARK_PASSWORD=" + e.Password, "MAILARK_KILL_ARCHIVE=" + e.Archive, "MAILARK_KILL_CA=" + e.CAFile,
		"MAILARK_KILL_HOME=" + e.Home, "MAILARK_KILL_AT=" + strconv.Itoa(e.At)}
}

// ChildKillEnv is, in the child process, the KillEnv its parent passed.
func ChildKillEnv() KillEnv {
	port, _ := strconv.Atoi(os.Getenv("MAILARK_KILL_PORT"))
	at, _ := strconv.Atoi(os.Getenv("MAILARK_KILL_AT"))
	return KillEnv{Port: port, User: os.Getenv("MAILARK_KILL_USER"), Password: os.Getenv("MAILARK_PASSWORD"),
		Archive: os.Getenv("MAILARK_KILL_ARCHIVE"), CAFile: os.Getenv("MAILARK_KILL_CA"),
		Home: os.Getenv("MAILARK_KILL_HOME"), At: at}
}

// RunChild is the body of a kill test's child test: it prints "started",
// runs run (whose progress prints the event lines, see PrintEvent) and
// prints "finished <run's error>".
func RunChild(run func() error) {
	fmt.Println("started")
	fmt.Println("finished", run())
}

// RunChildCall is RunChild for one engine call, run(ctx, opts), whose
// result other than its error the parent does not need.
func RunChildCall[O, R any](opts O, run func(context.Context, O) (R, error)) {
	RunChild(func() error {
		_, err := run(context.Background(), opts)
		return err
	})
}

// PrintEvent prints a child's line for one progress event, "event <done>".
func PrintEvent(e progress.Event) { fmt.Printf("event %d\n", e.Done) }

// Child is how a child process ended.
type Child struct {
	Finished string // its "finished …" line; "" when it was killed first
	Events   int    // the event lines read before the kill
	Hung     bool   // still going after a minute, so killed
}

// KillChild runs this test binary again as a child process that runs only
// the test named child, with env added to its environment, and kills it with
// SIGKILL after its killAt-th event line (0: as soon as it says "started"),
// unless it finishes first.
func KillChild(t testing.TB, child string, env []string, killAt int) Child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+child+"$", "-test.v")
	cmd.Env = append(append(os.Environ(), envChild+"="+child), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A run takes seconds: one still going after a minute hangs.
	hung := make(chan struct{})
	watchdog := time.AfterFunc(time.Minute, func() { close(hung); cmd.Process.Signal(syscall.SIGKILL) })
	var c Child
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "finished") {
			c.Finished = line
			break
		}
		event := strings.HasPrefix(line, "event")
		if line == "started" && killAt == 0 || event && c.Events+1 >= killAt {
			cmd.Process.Signal(syscall.SIGKILL)
			break
		}
		if event {
			c.Events++
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	cmd.Wait()
	watchdog.Stop()
	select {
	case <-hung:
		c.Hung = true
	default:
	}
	return c
}
