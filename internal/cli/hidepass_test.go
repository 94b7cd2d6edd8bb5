package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

// blockingList holds every LIST until release is closed, telling listed
// first: the client has logged in and waits.
type blockingList struct {
	imapserver.SessionIMAP4rev2
	listed  chan<- struct{}
	release <-chan struct{}
}

func (s *blockingList) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	select {
	case s.listed <- struct{}{}:
	default:
	}
	<-s.release
	return s.SessionIMAP4rev2.List(w, ref, patterns, options)
}

// TestPasswordLeavesTheProcessEnvironment starts the program (this test
// binary, wired as main.go) with MAILARK_PASSWORD and MAILARK_TO_PASSWORD,
// and while it is logged in and waiting on the server reads
// /proc/PID/environ and cmdline: neither password is there, and the backup
// then completes with the password it was given.
func TestPasswordLeavesTheProcessEnvironment(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/PID/environ is Linux's")
	}
	const password, toPassword = "pw-4f1c9e-in-env", "to-pw-77ab02-in-env"
	acct := &demo.Account{User: "me@old.test", Password: password, Folders: []demo.Folder{{Name: "INBOX",
		Messages: []demo.Message{{Raw: []byte("Subject: hi\r\n\r\nbody\r\n"), InternalDate: time.Unix(1_600_000_000, 0)}}}}}
	srv := testimap.Start(t, acct)
	listed, release := make(chan struct{}, 1), make(chan struct{})
	port := srv.ServeWrapped(t, func(s imapserver.SessionIMAP4rev2) imapserver.Session {
		return &blockingList{SessionIMAP4rev2: s, listed: listed, release: release}
	})
	var releaseOnce bool
	defer func() {
		if !releaseOnce {
			close(release)
		}
	}()
	args, _ := json.Marshal([]string{"backup", "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--security", "plain",
		"--user", acct.User, "--archive", filepath.Join(t.TempDir(), "a")})
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childVar+"=1", childArgsVar+"="+string(args),
		"MAILARK_PASSWORD="+password, "MAILARK_TO_PASSWORD="+toPassword)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-listed:
	case err := <-exited:
		t.Fatalf("the program ended (%v) before it listed the folders:\n%s%s", err, stdout.String(), stderr.String())
	}
	pid := strconv.Itoa(cmd.Process.Pid)
	for _, f := range []string{"environ", "cmdline"} {
		b, err := os.ReadFile(filepath.Join("/proc", pid, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(childVar+"=1")) && f == "environ" {
			t.Fatalf("/proc/%s/environ is not the child's: %q", pid, b)
		}
		for _, p := range []string{password, toPassword} {
			if bytes.Contains(b, []byte(p)) {
				t.Errorf("/proc/%s/%s holds a password: %q", pid, f, b)
			}
		}
	}
	close(release)
	releaseOnce = true
	if err := <-exited; err != nil || !strings.Contains(stdout.String(), "1 new message(s)") {
		t.Fatalf("backup: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if strings.Contains(stdout.String()+stderr.String(), "warning") {
		t.Errorf("a warning was printed:\n%s", stderr.String())
	}
}
