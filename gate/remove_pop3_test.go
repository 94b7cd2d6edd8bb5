package gate_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailstore/storetest"
	"github.com/mailark/mailark/internal/pop3"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
)

// scriptedPOPEnv is a popEnv on the scripted POP3 server.
func scriptedPOPEnv(t testing.TB, s *testimap.POP3Server) *popEnv {
	return &popEnv{t: t, dir: filepath.Join(t.TempDir(), "archive"), home: t.TempDir(), clk: newClock(),
		cfg: pop3.Config{Host: s.Host, Port: s.Port, Security: imapconn.Plain, User: popGateUser,
			Password: secret.New(popGatePass), DialTimeout: 10 * time.Second}}
}

// green backs up, imports the account's Thunderbird store, exports the
// address book and verifies: the gate must be open.
func (e *popEnv) green() {
	e.t.Helper()
	_, raws := storetest.Corpus()
	e.store(raws[:3], 2004, 2010)
	e.backup()
	e.importStore()
	e.export()
	if res := e.verify(false); !res.OK() {
		e.t.Fatalf("VerifyPOP3() = %v", res.Problems)
	}
	allOK(e.t, e.check())
}

func (e *popEnv) remove(deep bool, confirm func() string) (gate.RemoveResult, error) {
	e.t.Helper()
	e.step()
	return gate.Remove(context.Background(), gate.RemoveOptions{POP3: &e.cfg, ArchiveDir: e.dir, DeleteFromServer: true,
		Deep: deep, Stores: e.search(), Now: e.clk.Now,
		Confirm: func(string, int64) (string, error) { return confirm(), nil }})
}

// popCount is how many messages the mailbox holds now, by a new session.
func popCount(t testing.TB, cfg pop3.Config) int {
	t.Helper()
	c, err := pop3.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n, _, err := c.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRemovePOP3Dovecot(t *testing.T) {
	_, raws := storetest.Corpus()
	t.Run("deletes the verified messages", func(t *testing.T) {
		e := newPOPEnv(t, seedOf(raws[:5], func(i int) int { return i }))
		e.green()
		asked := int64(-1)
		res, err := gate.Remove(context.Background(), gate.RemoveOptions{POP3: &e.cfg, ArchiveDir: e.dir, DeleteFromServer: true,
			Stores: e.search(), Now: e.clk.Now, Confirm: func(_ string, n int64) (string, error) { asked = n; return popGateUser, nil }})
		if err != nil || res.Messages != 5 || asked != 5 {
			t.Fatalf("Remove() = %d deleted (asked for %d), %v; want 5", res.Messages, asked, err)
		}
		if n := popCount(t, e.cfg); n != 0 {
			t.Errorf("%d messages left on the server, want 0", n)
		}
		if res := e.verify(false); !res.OK() || len(res.Notes) != 5 {
			t.Errorf("VerifyPOP3() after the removal: problems %v, %d notes (want 5: archived, no longer on the server)", res.Problems, len(res.Notes))
		}
	})
	t.Run("mail that arrives meanwhile stays", func(t *testing.T) {
		e := newPOPEnv(t, seedOf(raws[:5], func(i int) int { return i }))
		e.green()
		_, err := e.remove(false, func() string {
			e.d.Seed(t, popGateUser, "INBOX", seedOf([][]byte{[]byte("Subject: late\r\n\r\nlate\r\n")}, func(int) int { return 0 }))
			return popGateUser
		})
		if !errors.Is(err, gate.ErrGateClosed) {
			t.Fatalf("Remove() = %v, want the gate closed by the new message", err)
		}
		if n := popCount(t, e.cfg); n != 6 {
			t.Errorf("%d messages on the server, want all 6", n)
		}
	})
}

// A message whose UIDL and size are the verified one's but whose header
// (or, with --deep, whose bytes) differ is never deleted, and nothing else
// is deleted either: no DELE is sent.
func TestRemovePOP3RefusesAChangedMessage(t *testing.T) {
	msgs := popMessages()
	header := slices.Clone(msgs)
	header[2] = slices.Clone(msgs[2])
	header[2][0] ^= 0x20 // the first header name's case: same size
	body := slices.Clone(msgs)
	i := slices.IndexFunc(msgs, func(m []byte) bool { h := bytes.Index(m, []byte("\r\n\r\n")); return h >= 0 && len(m)-h > 8 })
	body[i] = slices.Clone(msgs[i])
	body[i][len(body[i])-3] ^= 1
	for _, tt := range []struct {
		name    string
		msgs    [][]byte
		deep    bool
		refused bool
	}{
		{"same messages", msgs, false, false},
		{"a header changed", header, false, true},
		{"a body changed, deep", body, true, true},
		{"a body changed, header checked", body, false, false}, // the documented limit without --deep
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := testimap.StartPOP3(t, testimap.POP3Options{User: popGateUser, Password: popGatePass, Messages: msgs})
			e := scriptedPOPEnv(t, s)
			e.green()
			s2 := testimap.StartPOP3(t, testimap.POP3Options{User: popGateUser, Password: popGatePass, Messages: tt.msgs})
			e.cfg = at(e.cfg, s2)
			res, err := e.remove(tt.deep, func() string { return popGateUser })
			if !tt.refused {
				if err != nil || res.Messages != int64(len(msgs)) || len(s2.Remaining()) != 0 {
					t.Fatalf("Remove() = %d deleted, %v; %d left", res.Messages, err, len(s2.Remaining()))
				}
				return
			}
			if !errors.Is(err, gate.ErrServerChanged) {
				t.Fatalf("Remove() = %v, want ErrServerChanged", err)
			}
			if slices.Contains(s2.Commands(), "DELE") || len(s2.Remaining()) != len(msgs) {
				t.Errorf("commands %v, %d of %d left: something was marked or deleted", s2.Commands(), len(s2.Remaining()), len(msgs))
			}
		})
	}
}

// TestRemovePOP3KillChild is the child process of TestKilledPOP3RemovalLosesNothing:
// remove --delete-from-server over POP3, printing one line per progress
// event and stopping for good at event MAILARK_KILL_AT, to be killed there.
func TestRemovePOP3KillChild(t *testing.T) {
	testimap.SkipUnlessChild(t)
	env := testimap.ChildKillEnv()
	cfg := pop3.Config{Host: "127.0.0.1", Port: env.Port, Security: imapconn.TLS, CAFile: env.CAFile,
		User: popGateUser, Password: secret.New(env.Password), DialTimeout: 10 * time.Second}
	events := 0
	opts := gate.RemoveOptions{POP3: &cfg, ArchiveDir: env.Archive, DeleteFromServer: true,
		Stores:  gate.StoreSearch{Home: env.Home, GOOS: "linux"},
		Confirm: func(string, int64) (string, error) { return popGateUser, nil },
		Progress: func(e progress.Event) {
			events++
			testimap.PrintEvent(e)
			if events == env.At {
				select {} // killed here, after this DELE, before QUIT
			}
		}}
	testimap.RunChildCall(opts, gate.Remove)
}

// A removal killed after any of its DELEs deletes nothing: POP3 deletes
// only at QUIT, and the kill ends the session without one. Run again, it
// deletes every verified message.
func TestKilledPOP3RemovalLosesNothing(t *testing.T) {
	testimap.SkipIfShort(t)
	_, raws := storetest.Corpus()
	e := newPOPEnv(t, seedOf(raws[:4], func(i int) int { return i }))
	e.green()
	for killAt := 1; killAt <= 4; killAt++ {
		env := testimap.KillEnv{Port: e.cfg.Port, User: popGateUser, Password: popGatePass, Archive: e.dir,
			CAFile: e.cfg.CAFile, Home: e.home, At: killAt}
		c := testimap.KillChild(t, "TestRemovePOP3KillChild", env.Environ(), killAt)
		if c.Hung || c.Finished != "" {
			t.Fatalf("kill at DELE %d: hung %v, finished %q", killAt, c.Hung, c.Finished)
		}
		if n := popCount(t, e.cfg); n != 4 {
			t.Fatalf("kill after DELE %d: %d messages on the server, want all 4", killAt, n)
		}
	}
	if res, err := e.remove(false, func() string { return popGateUser }); err != nil || res.Messages != 4 || popCount(t, e.cfg) != 0 {
		t.Fatalf("Remove() after the kills = %d deleted, %v", res.Messages, err)
	}
}
