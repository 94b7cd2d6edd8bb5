package testimap_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailark/mailark/internal/testimap"
)

// recordTB catches what SkipUnless does instead of stopping the test.
type recordTB struct {
	testing.TB
	skipped, failed bool
}

func (r *recordTB) Helper()                   {}
func (r *recordTB) Skipf(string, ...any)      { r.skipped = true }
func (r *recordTB) Fatalf(string, ...any)     { r.failed = true }
func (r *recordTB) Logf(f string, a ...any)   {}
func (r *recordTB) Errorf(f string, a ...any) { r.failed = true }

func TestSkipUnless(t *testing.T) {
	tests := []struct {
		name, noSkip       string
		ok                 bool
		wantSkip, wantFail bool
	}{
		{name: "ok", noSkip: "dovecot", ok: true},
		{name: "skip", noSkip: "", wantSkip: true},
		{name: "other kind", noSkip: "python,xvfb", wantSkip: true},
		{name: "listed", noSkip: "python, dovecot", wantFail: true},
		{name: "all", noSkip: "all", wantFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(testimap.EnvNoSkip, tt.noSkip)
			r := &recordTB{TB: t}
			testimap.SkipUnless(r, "dovecot", tt.ok, "why")
			if r.skipped != tt.wantSkip || r.failed != tt.wantFail {
				t.Errorf("SkipUnless(%q) skipped=%v failed=%v, want %v %v",
					tt.noSkip, r.skipped, r.failed, tt.wantSkip, tt.wantFail)
			}
		})
	}
}

var (
	alice = testimap.DovecotUser{Name: "alice@example.org", Password: `pa:ss "wörd" \ 秘密`}
	bob   = testimap.DovecotUser{Name: "bob", Password: "bob-secret", QuotaBytes: 4096}
)

func message(subject, body string) []byte {
	return []byte("From: Carol <carol@example.com>\r\nTo: alice@example.org\r\n" +
		"Subject: " + subject + "\r\nMessage-Id: <" + strings.ReplaceAll(subject, " ", ".") + "@test>\r\n" +
		"Date: Mon, 4 Mar 2019 05:06:07 +0900\r\n\r\n" + body + "\r\n")
}

var jst = time.FixedZone("JST", 9*3600)

// seeded is what TestDovecot puts in alice's account.
var seeded = map[string][]testimap.SeedMessage{
	"INBOX": {
		{Raw: message("inbox one", "hello"), Flags: []string{`\Seen`}, InternalDate: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{Raw: message("inbox two", "unread"), InternalDate: time.Date(2024, 1, 3, 3, 4, 5, 0, jst)},
	},
	"Archive/2019": {
		{Raw: message("old one", "a"), Flags: []string{`\Seen`, `\Answered`}, InternalDate: time.Date(2019, 3, 4, 5, 6, 7, 0, jst)},
		{Raw: message("old two", "b"), Flags: []string{`\Seen`, `\Flagged`, `$Forwarded`}, InternalDate: time.Date(2019, 5, 6, 7, 8, 9, 0, jst)},
		{Raw: message("old three", strings.Repeat("long line ", 2000)), Flags: []string{`\Draft`, `\Deleted`}, InternalDate: time.Date(2019, 12, 31, 23, 59, 59, 0, jst)},
	},
	"取引先": {
		{Raw: message("customer", "こんにちは"), Flags: []string{`\seen`, `$Junk`, `Important`}, InternalDate: time.Date(2023, 7, 8, 9, 10, 11, 0, jst)},
		{Raw: message("customer two", "x"), Flags: []string{`Important`}, InternalDate: time.Date(2023, 7, 9, 9, 10, 11, 0, jst)},
	},
	"amp&and/2020 年": {
		{Raw: message("nested", "y"), InternalDate: time.Date(2020, 1, 1, 0, 0, 0, 0, jst)},
	},
}

func login(t *testing.T, c *imapclient.Client, err error, u testimap.DovecotUser) *imapclient.Client {
	t.Helper()
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(u.Name, u.Password).Wait(); err != nil {
		t.Fatalf("Login(%s) = %v", u.Name, err)
	}
	return c
}

func dialPlain(t *testing.T, d *testimap.Dovecot, u testimap.DovecotUser) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(d.PlainAddr(), nil)
	return login(t, c, err, u)
}

func TestDovecot(t *testing.T) {
	begin := time.Now()
	d := testimap.StartDovecot(t, alice, bob)
	t.Logf("StartDovecot took %v (plain %d, TLS %d, dir %s)", time.Since(begin), d.PlainPort, d.TLSPort, d.Dir)

	begin = time.Now()
	for folder, msgs := range seeded {
		d.Seed(t, alice.Name, folder, msgs)
	}
	t.Logf("Seed took %v", time.Since(begin))

	t.Run("plain login", func(t *testing.T) {
		for _, u := range []testimap.DovecotUser{alice, bob} {
			c := dialPlain(t, d, u)
			if err := c.Noop().Wait(); err != nil {
				t.Errorf("%s: Noop() = %v", u.Name, err)
			}
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		c, err := imapclient.DialInsecure(d.PlainAddr(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		begin := time.Now()
		err = c.Login(bob.Name, "wrong").Wait()
		var imapErr *imap.Error
		if !errors.As(err, &imapErr) || imapErr.Code != imap.ResponseCodeAuthenticationFailed {
			t.Errorf("Login(wrong password) = %v, want NO [AUTHENTICATIONFAILED]", err)
		}
		t.Logf("failed login took %v", time.Since(begin))
	})

	t.Run("TLS with CAFile", func(t *testing.T) {
		pemData, err := os.ReadFile(d.CAFile)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemData) {
			t.Fatalf("%s holds no PEM certificate", d.CAFile)
		}
		for _, host := range []string{"127.0.0.1", "localhost"} {
			cfg := &tls.Config{RootCAs: pool, ServerName: host}
			c, err := imapclient.DialTLS(d.TLSAddr(), &imapclient.Options{TLSConfig: cfg})
			c = login(t, c, err, alice)
			if _, ok := c.Caps()[imap.CapIMAP4rev1]; !ok {
				t.Errorf("%s: caps %v lack IMAP4rev1", host, c.Caps())
			}
		}
	})

	t.Run("STARTTLS", func(t *testing.T) {
		c, err := imapclient.DialStartTLS(d.PlainAddr(), &imapclient.Options{TLSConfig: d.TLSConfig()})
		login(t, c, err, bob)
	})

	t.Run("TLS untrusted", func(t *testing.T) {
		c, err := imapclient.DialTLS(d.TLSAddr(), &imapclient.Options{TLSConfig: &tls.Config{RootCAs: x509.NewCertPool()}})
		if err == nil {
			c.Close()
			t.Fatal("DialTLS without the CA succeeded, want an x509 error")
		}
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Errorf("DialTLS without the CA = %v, want x509.UnknownAuthorityError", err)
		}
	})

	t.Run("list", func(t *testing.T) {
		c := dialPlain(t, d, alice)
		list, err := c.List("", "*", nil).Collect()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]imap.MailboxAttr{}
		for _, l := range list {
			if l.Delim != '/' {
				t.Errorf("%s: delimiter %q, want '/'", l.Mailbox, l.Delim)
			}
			got[l.Mailbox] = l.Attrs
		}
		want := map[string]imap.MailboxAttr{
			"INBOX": "", "Archive/2019": "", "取引先": "", "amp&and/2020 年": "",
			"amp&and": imap.MailboxAttrNoSelect, // parents are not made
			"Sent":    imap.MailboxAttrSent, "Drafts": imap.MailboxAttrDrafts, "Trash": imap.MailboxAttrTrash,
			"Junk": imap.MailboxAttrJunk, "Archive": imap.MailboxAttrArchive,
		}
		for name, attr := range want {
			attrs, ok := got[name]
			if !ok {
				t.Errorf("LIST lacks %q; got %v", name, got)
			} else if attr != "" && !slices.Contains(attrs, attr) {
				t.Errorf("LIST %q attrs %v, want %s", name, attrs, attr)
			}
		}
		if len(got) != len(want) {
			t.Errorf("LIST = %v, want the %d folders %v", got, len(want), want)
		}
		bobList, err := dialPlain(t, d, bob).List("", "*", nil).Collect()
		if err != nil || len(bobList) != 6 {
			t.Errorf("bob's LIST = %d folders, %v; want 6 (INBOX and special-use)", len(bobList), err)
		}
	})

	t.Run("status", func(t *testing.T) {
		c := dialPlain(t, d, alice)
		for folder, msgs := range seeded {
			st, err := c.Status(folder, &imap.StatusOptions{NumMessages: true, NumUnseen: true}).Wait()
			if err != nil {
				t.Fatalf("Status(%q) = %v", folder, err)
			}
			unseen := 0
			for _, m := range msgs {
				if !slices.ContainsFunc(m.Flags, func(f string) bool { return strings.EqualFold(f, `\Seen`) }) {
					unseen++
				}
			}
			if int(*st.NumMessages) != len(msgs) || int(*st.NumUnseen) != unseen {
				t.Errorf("Status(%q) = %d messages, %d unseen; want %d, %d", folder, *st.NumMessages, *st.NumUnseen, len(msgs), unseen)
			}
		}
	})

	t.Run("fetch", func(t *testing.T) {
		c := dialPlain(t, d, alice)
		for folder, msgs := range seeded {
			got := fetchAll(t, c, folder)
			if len(got) != len(msgs) {
				t.Fatalf("%s: fetched %d messages, want %d", folder, len(got), len(msgs))
			}
			for i, m := range got {
				want := msgs[i]
				if m.UID != imap.UID(i+1) {
					t.Errorf("%s #%d: UID %d, want %d", folder, i, m.UID, i+1)
				}
				if body := m.FindBodySection(&imap.FetchItemBodySection{}); !bytes.Equal(body, want.Raw) {
					t.Errorf("%s #%d: BODY[] differs:\n%q\nwant\n%q", folder, i, body, want.Raw)
				}
				if !m.InternalDate.Equal(want.InternalDate) {
					t.Errorf("%s #%d: INTERNALDATE %v, want %v", folder, i, m.InternalDate, want.InternalDate)
				}
				if g, w := flagSet(m.Flags), flagSet(want.Flags); g != w {
					t.Errorf("%s #%d: FLAGS %s, want %s", folder, i, g, w)
				}
			}
		}
	})

	t.Run("seed while running", func(t *testing.T) {
		c := dialPlain(t, d, alice)
		if _, err := c.Select("INBOX", nil).Wait(); err != nil {
			t.Fatal(err)
		}
		more := []testimap.SeedMessage{{Raw: message("late", "z"), Flags: []string{`\Flagged`}}}
		d.Seed(t, alice.Name, "INBOX", more)
		d.Seed(t, alice.Name, "Later/empty", nil)
		if err := c.Noop().Wait(); err != nil {
			t.Fatal(err)
		}
		if n := c.Mailbox().NumMessages; n != 3 {
			t.Errorf("after Seed and NOOP: %d messages in INBOX, want 3", n)
		}
		got := fetchAll(t, c, "INBOX")
		if len(got) != 3 || got[2].UID != 3 || !bytes.Equal(got[2].FindBodySection(&imap.FetchItemBodySection{}), more[0].Raw) {
			t.Errorf("after Seed: fetched %d messages; want the new one with UID 3", len(got))
		}
		if _, err := c.Status("Later/empty", &imap.StatusOptions{NumMessages: true}).Wait(); err != nil {
			t.Errorf("Status of a folder seeded empty = %v", err)
		}
	})

	t.Run("quota", func(t *testing.T) {
		c := dialPlain(t, d, bob)
		roots, err := c.GetQuotaRoot("INBOX").Wait()
		if err != nil || len(roots) != 1 {
			t.Fatalf("GetQuotaRoot = %v, %v", roots, err)
		}
		if got := roots[0].Resources[imap.QuotaResourceStorage].Limit; got != 4 {
			t.Errorf("storage limit %d KiB, want 4", got)
		}
		if err := appendMsg(c, message("small", "fits")); err != nil {
			t.Errorf("APPEND of a small message = %v", err)
		}
		err = appendMsg(c, message("big", strings.Repeat("x", 5000)))
		var imapErr *imap.Error
		if !errors.As(err, &imapErr) || imapErr.Code != imap.ResponseCodeOverQuota {
			t.Errorf("APPEND over quota = %v, want NO [OVERQUOTA]", err)
		}
	})

	t.Run("log", func(t *testing.T) {
		for _, line := range strings.Split(d.Log(), "\n") {
			for _, bad := range []string{"Warning:", "Error:", "Fatal:", "Panic:"} {
				if strings.Contains(line, bad) {
					t.Errorf("Dovecot logged: %s", line)
				}
			}
		}
	})

	// Last: the others need a running server.
	t.Run("stop and restart", func(t *testing.T) {
		c := dialPlain(t, d, alice)
		begin := time.Now()
		d.Stop(t)
		t.Logf("Stop took %v", time.Since(begin))
		if err := c.Noop().Wait(); err == nil {
			t.Error("Noop() on a stopped server succeeded")
		}
		if conn, err := net.Dial("tcp", d.PlainAddr()); err == nil {
			conn.Close()
			t.Error("dial to a stopped server succeeded")
		}
		begin = time.Now()
		d.Restart(t)
		t.Logf("Restart took %v", time.Since(begin))
		if got := fetchAll(t, dialPlain(t, d, alice), "Archive/2019"); len(got) != 3 {
			t.Errorf("after restart: %d messages in Archive/2019, want 3", len(got))
		}
	})
}

// TestDovecotSeedOrder checks that UIDs follow the order of a large seed.
func TestDovecotSeedOrder(t *testing.T) {
	d := testimap.StartDovecot(t)
	const n = 2000
	msgs := make([]testimap.SeedMessage, n)
	for i := range msgs {
		msgs[i].Raw = message(fmt.Sprintf("n%05d", i), "x")
	}
	d.Seed(t, "user", "INBOX", msgs)
	c := dialPlain(t, d, testimap.DovecotUser{Name: "user", Password: "password"})
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	got, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Envelope: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("fetched %d, want %d", len(got), n)
	}
	for i, m := range got {
		if want := fmt.Sprintf("n%05d@test", i); m.UID != imap.UID(i+1) || m.Envelope.MessageID != want {
			t.Fatalf("message %d: UID %d Message-Id %q, want UID %d %q", i, m.UID, m.Envelope.MessageID, i+1, want)
		}
	}
}

// TestDovecotLF records what Dovecot does with a LF-only message file.
func TestDovecotLF(t *testing.T) {
	d := testimap.StartDovecot(t)
	raw := []byte("Subject: lf\n\nline\n")
	d.Seed(t, "user", "INBOX", []testimap.SeedMessage{{Raw: raw}})
	c := dialPlain(t, d, testimap.DovecotUser{Name: "user", Password: "password"})
	got := fetchAll(t, c, "INBOX")
	want := bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n"))
	if body := got[0].FindBodySection(&imap.FetchItemBodySection{}); !bytes.Equal(body, want) {
		t.Errorf("BODY[] = %q, want %q", body, want)
	}
}

func fetchAll(t *testing.T, c *imapclient.Client, folder string) []*imapclient.FetchMessageBuffer {
	t.Helper()
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatalf("Select(%q) = %v", folder, err)
	}
	opts := &imap.FetchOptions{UID: true, Flags: true, InternalDate: true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}}}
	msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, opts).Collect()
	if err != nil {
		t.Fatalf("Fetch(%q) = %v", folder, err)
	}
	return msgs
}

// flagSet is flags in a canonical form, without \Recent.
func flagSet[F ~string](flags []F) string {
	var s []string
	for _, f := range flags {
		if l := strings.ToLower(string(f)); l != `\recent` {
			s = append(s, l)
		}
	}
	slices.Sort(s)
	return strings.Join(s, " ")
}

func appendMsg(c *imapclient.Client, raw []byte) error {
	cmd := c.Append("INBOX", int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		return err
	}
	if err := cmd.Close(); err != nil {
		return err
	}
	_, err := cmd.Wait()
	return err
}

func BenchmarkDovecotStartStop(b *testing.B) {
	for b.Loop() {
		testimap.StartDovecot(b).Stop(b)
	}
}

// BenchmarkDovecotSeed10k seeds 10,000 messages of about 2 KB, then has
// Dovecot index them (SELECT and FETCH FLAGS of all).
func BenchmarkDovecotSeed10k(b *testing.B) {
	msgs := make([]testimap.SeedMessage, 10000)
	for i := range msgs {
		msgs[i] = testimap.SeedMessage{Raw: message(fmt.Sprintf("m%d", i), strings.Repeat("body ", 400)), Flags: []string{`\Seen`}}
	}
	for b.Loop() {
		b.StopTimer()
		d := testimap.StartDovecot(b)
		b.StartTimer()
		begin := time.Now()
		d.Seed(b, "user", "Archive/2019", msgs)
		seeded := time.Since(begin)
		c, err := imapclient.DialInsecure(d.PlainAddr(), nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Login("user", "password").Wait(); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Select("Archive/2019", nil).Wait(); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{Flags: true}).Collect(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(seeded.Seconds(), "seed-s")
		b.ReportMetric(time.Since(begin).Seconds(), "seed+index-s")
		c.Close()
		d.Stop(b)
	}
}
