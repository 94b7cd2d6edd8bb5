package gate_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/pop3"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
	"github.com/mailark/mailark/internal/testmail"
)

func popMessages() [][]byte {
	var out [][]byte
	for _, f := range testmail.Broken()[:8] {
		out = append(out, f.Raw)
	}
	return out
}

// popBackup backs up s into a new archive and returns the config that
// reaches s (the source is user@127.0.0.1:port, so later servers are
// reached through the same port: at).
func popBackup(t *testing.T, s *testimap.POP3Server) (pop3.Config, string) {
	t.Helper()
	cfg := pop3.Config{Host: s.Host, Port: s.Port, Security: imapconn.Plain, User: "taro", Password: secret.New("pw"),
		DialTimeout: 10 * time.Second}
	dir := filepath.Join(t.TempDir(), "archive")
	sum, err := backup.RunPOP3(context.Background(), backup.POP3Options{Conn: cfg, ArchiveDir: dir})
	if err != nil || !sum.OK() {
		t.Fatalf("RunPOP3() = %v, %v", err, sum.Failures)
	}
	return cfg, dir
}

func verifyPOP3(t *testing.T, cfg pop3.Config, dir string, deep bool) gate.Result {
	t.Helper()
	res, err := gate.VerifyPOP3(context.Background(), gate.VerifyPOP3Options{Conn: cfg, ArchiveDir: dir, Deep: deep})
	if err != nil {
		t.Fatalf("VerifyPOP3() = %v", err)
	}
	return res
}

// at dials s instead of the configured port.
func at(cfg pop3.Config, s *testimap.POP3Server) pop3.Config {
	cfg.Dial = func(ctx context.Context, network, _ string) (netConn, error) {
		return dialer.DialContext(ctx, network, s.Addr)
	}
	return cfg
}

func TestVerifyPOP3(t *testing.T) {
	msgs := popMessages()
	s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: msgs})
	cfg, dir := popBackup(t, s)
	for _, deep := range []bool{false, true} {
		res := verifyPOP3(t, cfg, dir, deep)
		if !res.OK() || res.Verified != int64(len(msgs)) || len(res.Notes) != 0 {
			t.Errorf("VerifyPOP3(deep %v) = %d verified, problems %v, notes %v; want all %d", deep, res.Verified, res.Problems, res.Notes, len(msgs))
		}
	}

	changed := append([][]byte(nil), msgs...)
	changed[1] = append([]byte(nil), msgs[1]...)
	changed[1][len(changed[1])-3] ^= 1 // same size, one bit differs
	tests := []struct {
		name    string
		opts    testimap.POP3Options
		deep    bool
		problem gate.Kind
		note    gate.Kind
	}{
		{"new mail on the server", testimap.POP3Options{Messages: append(append([][]byte(nil), msgs...), []byte("Subject: new\r\n\r\nnew\r\n"))}, false, gate.MessageMissing, ""},
		{"a size that differs", testimap.POP3Options{Messages: msgs, Sizes: map[int]int64{2: 99}}, false, gate.SizeDiffers, ""},
		{"bytes that differ, deep", testimap.POP3Options{Messages: changed}, true, gate.ServerContentDiffers, ""},
		{"bytes that differ, not deep", testimap.POP3Options{Messages: changed}, false, "", ""},
		{"mail gone from the server", testimap.POP3Options{Messages: msgs[:4]}, false, "", gate.MessageNotOnServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.User, o.Password = "taro", "pw"
			s2 := testimap.StartPOP3(t, o)
			res := verifyPOP3(t, at(cfg, s2), dir, tt.deep)
			got := ""
			if len(res.Problems) > 0 {
				got = string(res.Problems[0].Kind)
			}
			if got != string(tt.problem) || len(res.Problems) > 1 {
				t.Errorf("problems %v, want one %q", res.Problems, tt.problem)
			}
			if tt.note != "" && (len(res.Notes) == 0 || res.Notes[0].Kind != tt.note) {
				t.Errorf("notes %v, want %q", res.Notes, tt.note)
			}
		})
	}
}

func TestVerifyPOP3WithoutUIDL(t *testing.T) {
	msgs := popMessages()
	s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: msgs, NoUIDL: true})
	cfg, dir := popBackup(t, s)
	res := verifyPOP3(t, cfg, dir, false)
	if !res.OK() || res.Verified != int64(len(msgs)) {
		t.Errorf("VerifyPOP3() = %d verified, %v", res.Verified, res.Problems)
	}
	s2 := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", NoUIDL: true,
		Messages: append(append([][]byte(nil), msgs...), []byte("Subject: new\r\n\r\nnew\r\n"))})
	res = verifyPOP3(t, at(cfg, s2), dir, false)
	if len(res.Problems) != 1 || res.Problems[0].Kind != gate.MessageMissing {
		t.Errorf("problems %v, want the new message missing", res.Problems)
	}
}

func TestVerifyPOP3Dovecot(t *testing.T) {
	testimap.RequirePOP3(t)
	d := testimap.StartDovecot(t, testimap.DovecotUser{Name: "taro", Password: "pw"})
	var seed []testimap.SeedMessage
	for _, f := range testmail.Broken() {
		seed = append(seed, testimap.SeedMessage{Raw: f.Raw})
	}
	for _, f := range testmail.Charsets() {
		seed = append(seed, testimap.SeedMessage{Raw: f.Raw})
	}
	d.Seed(t, "taro", "INBOX", seed)
	cfg := pop3.Config{Host: d.Host, Port: d.POP3TLSPort, Security: imapconn.TLS, CAFile: d.CAFile, User: "taro",
		Password: secret.New("pw"), DialTimeout: 10 * time.Second}
	dir := filepath.Join(t.TempDir(), "archive")
	if sum, err := backup.RunPOP3(context.Background(), backup.POP3Options{Conn: cfg, ArchiveDir: dir}); err != nil || !sum.OK() {
		t.Fatalf("RunPOP3() = %v, %v", err, sum.Failures)
	}
	for _, deep := range []bool{false, true} {
		res := verifyPOP3(t, cfg, dir, deep)
		if !res.OK() || res.Verified != int64(len(seed)) {
			t.Errorf("VerifyPOP3(deep %v) against Dovecot = %d verified of %d, problems %v", deep, res.Verified, len(seed), fmt.Sprint(res.Problems))
		}
	}
}

type netConn = net.Conn

var dialer net.Dialer
