package cli_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
)

// A port out of range and an unknown export format are command-line errors
// (exit 2), said in one line.
func TestBadFlagValuesAreUsageErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a")
	tests := []struct {
		name string
		args []string
		say  string
	}{
		{"port", []string{"backup", "--host", "127.0.0.1", "--port", "99999", "--security", "plain", "--user", "u", "--archive", dir}, "--port 99999 is not a port"},
		{"to-port", []string{"migrate", "--to-host", "127.0.0.1", "--to-port", "-1", "--to-security", "plain", "--to-user", "u", "--archive", dir}, "--to-port -1 is not a port"},
		{"format", []string{"contacts", "export", "--archive", dir, "--format", "vcard5", "--out", filepath.Join(dir, "x")}, "nknown format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(map[string]string{"MAILARK_PASSWORD": "x", "MAILARK_TO_PASSWORD": "x"})
			if code := r.main(context.Background(), tt.args...); code != cli.ExitUsage || !strings.Contains(r.stderr.String(), tt.say) {
				t.Errorf("exit %d, want %d saying %q\n%s", code, cli.ExitUsage, tt.say, r.stderr)
			}
		})
	}
	// The wrong-port advice names what to use.
	msg := cli.UserMessage(mailerr.New(mailerr.NotIMAP, "greeting", "imap.example.com", imapconn.ErrPortSpeaksTLS))
	if !strings.Contains(msg, "--security tls") || !strings.Contains(msg, "143") {
		t.Errorf("UserMessage(ErrPortSpeaksTLS) = %q, want --security tls and port 143", msg)
	}
}
