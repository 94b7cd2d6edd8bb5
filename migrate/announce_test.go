package migrate_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	_ "github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/testimap"
	"github.com/mailark/mailark/migrate"
)

const announceNew = "hanako@new-isp.example"

// announceArchive backs the demo account up into a new archive.
func announceArchive(t *testing.T) string {
	t.Helper()
	dir, _ := backedUpDemo(t)
	return dir
}

// backedUpDemo backs the demo account, served from go-imap's in-memory
// server, up into a new archive. It returns the archive and the connection
// to the account.
func backedUpDemo(t *testing.T) (string, imapconn.Config) {
	t.Helper()
	conn := testimap.Start(t, nil).Conn()
	dir := filepath.Join(t.TempDir(), "archive")
	if _, err := backup.Run(context.Background(), backup.Options{Conn: conn, ArchiveDir: dir}); err != nil {
		t.Fatal(err)
	}
	return dir, conn
}

// parsedDraft is a draft as a mail reader sees it.
type parsedDraft struct {
	from, to, bcc []*mail.Address
	subject, body string
	messageID     string
	date          time.Time
	contentType   string
}

func parseDraft(t testing.TB, raw []byte) parsedDraft {
	t.Helper()
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 998 || bytes.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d is %d bytes or has a bare CR/LF: %q", i, len(line), line)
		}
	}
	if !bytes.Contains(raw, []byte("Mime-Version: 1.0\r\n")) && !bytes.Contains(raw, []byte("MIME-Version: 1.0\r\n")) {
		t.Errorf("no MIME-Version in\n%s", raw)
	}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("mail.CreateReader() = %v", err)
	}
	var p parsedDraft
	h := mr.Header
	p.from, _ = h.AddressList("From")
	p.to, _ = h.AddressList("To")
	p.bcc, _ = h.AddressList("Bcc")
	p.subject, _ = h.Subject()
	p.messageID, _ = h.MessageID()
	p.date, _ = h.Date()
	part, err := mr.NextPart()
	if err != nil {
		t.Fatalf("NextPart() = %v", err)
	}
	p.contentType = part.Header.Get("Content-Type")
	b, err := io.ReadAll(part.Body)
	if err != nil {
		t.Fatal(err)
	}
	p.body = string(b)
	return p
}

func TestComposeAnnouncements(t *testing.T) {
	dir := announceArchive(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.FixedZone("JST", 9*3600))
	base := migrate.AnnounceOptions{ArchiveDir: dir, NewAddress: announceNew, Now: func() time.Time { return now }}

	t.Run("everyone in Bcc batches, Japanese", func(t *testing.T) {
		opts := base
		opts.AllContacts, opts.Lang, opts.BatchSize = true, "ja", 7
		res, err := migrate.ComposeAnnouncements(ctx, opts)
		if err != nil {
			t.Fatalf("ComposeAnnouncements() = %v", err)
		}
		if res.Name != "山田 花子" && res.Name != "Hanako Yamada" {
			t.Errorf("name from sent mail = %q, want the owner's", res.Name)
		}
		if res.OldAddress == "" || len(res.Recipients) < 8 {
			t.Fatalf("old address %q, %d recipients", res.OldAddress, len(res.Recipients))
		}
		if want := (len(res.Recipients) + 6) / 7; len(res.Drafts) != want {
			t.Fatalf("%d drafts for %d recipients in batches of 7, want %d", len(res.Drafts), len(res.Recipients), want)
		}
		seen := map[string]bool{}
		for _, d := range res.Drafts {
			p := parseDraft(t, d.Raw)
			if len(p.bcc) == 0 || len(p.bcc) > 7 || len(p.to) != 1 || p.to[0].Address != announceNew {
				t.Errorf("draft To %v, %d Bcc; want the new address and 1–7 Bcc", p.to, len(p.bcc))
			}
			if len(p.from) != 1 || p.from[0].Address != announceNew || p.from[0].Name != res.Name {
				t.Errorf("From = %v, want %s <%s>", p.from, res.Name, announceNew)
			}
			if p.subject != "メールアドレス変更のお知らせ" || !strings.Contains(p.body, "新しいアドレス："+announceNew) ||
				!strings.Contains(p.body, res.OldAddress) || !strings.Contains(p.body, "皆様") {
				t.Errorf("subject %q, body:\n%s", p.subject, p.body)
			}
			if p.messageID != d.MessageID || !p.date.Equal(now) || !strings.Contains(p.contentType, "utf-8") {
				t.Errorf("Message-ID %q (want %q), Date %v, Content-Type %q", p.messageID, d.MessageID, p.date, p.contentType)
			}
			for _, a := range p.bcc {
				if seen[a.Address] || a.Address == res.OldAddress {
					t.Errorf("%s twice, or the user's own address", a.Address)
				}
				seen[a.Address] = true
			}
		}
		if len(seen) != len(res.Recipients) {
			t.Errorf("%d addresses in Bcc, want %d", len(seen), len(res.Recipients))
		}
		again, _ := migrate.ComposeAnnouncements(ctx, opts)
		if again.Drafts[0].MessageID != res.Drafts[0].MessageID {
			t.Errorf("the same draft got another Message-ID")
		}
	})
	t.Run("one per contact, by name, both languages", func(t *testing.T) {
		opts := base
		opts.PerContact, opts.Lang, opts.Name = true, "both", "山田 花子"
		opts.Contacts = []string{"someone.new@example.com", "SOMEONE.NEW@example.com"}
		all, err := migrate.ComposeAnnouncements(ctx, migrate.AnnounceOptions{ArchiveDir: dir, NewAddress: announceNew, AllContacts: true})
		if err != nil {
			t.Fatal(err)
		}
		var named migrate.AnnounceRecipient
		for _, r := range all.Recipients {
			if r.Name != "" {
				named = r
				break
			}
		}
		opts.Contacts = append(opts.Contacts, strings.ToUpper(named.Email))
		res, err := migrate.ComposeAnnouncements(ctx, opts)
		if err != nil || len(res.Drafts) != 2 {
			t.Fatalf("ComposeAnnouncements() = %v, %d drafts; want 2 (one address given twice)", err, len(res.Drafts))
		}
		p := parseDraft(t, res.Drafts[1].Raw)
		if len(p.to) != 1 || p.to[0].Name != named.Name || len(p.bcc) != 0 {
			t.Errorf("To = %v, Bcc %v; want %s by name from the address book", p.to, p.bcc, named.Name)
		}
		if !strings.HasPrefix(p.body, named.Name+" 様") || !strings.Contains(p.body, "Dear "+named.Name+",") ||
			p.subject != "メールアドレス変更のお知らせ / My email address has changed" {
			t.Errorf("subject %q, body:\n%s", p.subject, p.body)
		}
		if p := parseDraft(t, res.Drafts[0].Raw); !strings.Contains(p.body, "皆様") || !strings.Contains(p.body, "Hello,") {
			t.Errorf("a person without a name is greeted generally; body:\n%s", p.body)
		}
	})
	t.Run("own template", func(t *testing.T) {
		opts := base
		opts.Contacts = []string{"a@example.com"}
		opts.Template = "Subject: New address for {{.Name}}\n\nWrite to {{.NewAddress}} instead of {{.OldAddress}}.\n"
		opts.Name = "Hanako"
		res, err := migrate.ComposeAnnouncements(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		p := parseDraft(t, res.Drafts[0].Raw)
		if p.subject != "New address for Hanako" || !strings.HasPrefix(p.body, "Write to "+announceNew) {
			t.Errorf("subject %q, body %q", p.subject, p.body)
		}
	})
	for _, tt := range []struct {
		name string
		edit func(*migrate.AnnounceOptions)
		want string
	}{
		{"no one chosen", func(o *migrate.AnnounceOptions) {}, "no one to tell"},
		{"not an address", func(o *migrate.AnnounceOptions) { o.Contacts = []string{"taro"} }, "not an email address"},
		{"no new address", func(o *migrate.AnnounceOptions) { o.NewAddress, o.AllContacts = "", true }, "new address"},
		{"template without subject", func(o *migrate.AnnounceOptions) { o.Template, o.AllContacts = "Hi {{.Name}}", true }, "Subject"},
		{"template with a typo", func(o *migrate.AnnounceOptions) { o.Template, o.AllContacts = "Subject: {{.Nmae}}\n\nx", true }, "Nmae"},
		{"unknown language", func(o *migrate.AnnounceOptions) { o.Lang, o.AllContacts = "fr", true }, "fr"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := base
			tt.edit(&opts)
			if _, err := migrate.ComposeAnnouncements(ctx, opts); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ComposeAnnouncements() = %v, want an error about %q", err, tt.want)
			}
		})
	}
}

func TestAnnounceToDovecotDrafts(t *testing.T) {
	dir := announceArchive(t)
	d := testimap.StartDovecot(t, testimap.DovecotUser{Name: announceNew, Password: copyPass})
	conn := copyConn(d, announceNew)
	emlDir := filepath.Join(t.TempDir(), "drafts")
	opts := migrate.AnnounceOptions{ArchiveDir: dir, Conn: conn, NewAddress: announceNew, AllContacts: true,
		Lang: "ja", EMLDir: emlDir}
	ctx := context.Background()
	res, err := migrate.Announce(ctx, opts)
	if err != nil {
		t.Fatalf("Announce() = %v", err)
	}
	if res.DraftsFolder != "Drafts" || len(res.Drafts) == 0 || !res.Drafts[0].Saved {
		t.Fatalf("Announce() saved in %q: %+v", res.DraftsFolder, res.Drafts)
	}
	for _, dr := range res.Drafts {
		b, err := os.ReadFile(dr.File)
		if err != nil || !bytes.Equal(b, dr.Raw) {
			t.Errorf(".eml %q: %v", dr.File, err)
		}
	}
	again, err := migrate.Announce(ctx, opts)
	if err != nil || again.Drafts[0].Saved || !again.Drafts[0].Existed {
		t.Fatalf("second Announce() = %v, saved %v; want the drafts found already there", err, again.Drafts[0].Saved)
	}
	c, err := imapconn.Dial(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Select("Drafts", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	var all imap.SeqSet
	all.AddRange(1, 0)
	msgs, err := c.Fetch(all, &imap.FetchOptions{Flags: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
	if err != nil || len(msgs) != len(res.Drafts) {
		t.Fatalf("Drafts holds %d messages (%v), want %d", len(msgs), err, len(res.Drafts))
	}
	for _, m := range msgs {
		hasDraft := false
		for _, f := range m.Flags {
			hasDraft = hasDraft || f == imap.FlagDraft
		}
		p := parseDraft(t, m.BodySection[0].Bytes)
		if !hasDraft || p.subject != "メールアドレス変更のお知らせ" || len(p.bcc) == 0 {
			t.Errorf("draft flags %v, subject %q, %d Bcc", m.Flags, p.subject, len(p.bcc))
		}
	}
}

func TestAnnounceCLI(t *testing.T) {
	dir := announceArchive(t)
	eml := filepath.Join(t.TempDir(), "eml")
	contacts := filepath.Join(t.TempDir(), "contacts.vcf")
	os.WriteFile(contacts, []byte("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\nEMAIL;TYPE=work:mchen@northwind-studio.com\r\nEND:VCARD\r\n"+
		"Name,E-mail Address\r\nB,\"b@example.org\"\r\n"), 0o600)
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"preview", []string{"--all-contacts", "--dry-run", "--lang", "ja", "--name", "山田 花子"}, cli.ExitOK,
			[]string{"From: 山田 花子 <" + announceNew + ">", "people would be told", "Subject: メールアドレス変更のお知らせ", "皆様"}, ""},
		{"eml files", []string{"--contacts-file", contacts, "--per-contact", "--eml-dir", eml, "--lang", "en"}, cli.ExitOK,
			[]string{"2 draft(s) telling 2 people", "Nothing was sent"}, ""},
		{"nowhere to put them", []string{"--all-contacts"}, cli.ExitUsage, nil, "--eml-dir"},
		{"no one", []string{"--eml-dir", eml}, cli.ExitError, nil, "No one to tell"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := copyCLI(t, append([]string{"announce", "--archive", dir, "--new-address", announceNew}, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.stderr) {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
		})
	}
	files, _ := filepath.Glob(filepath.Join(eml, "*.eml"))
	if len(files) != 2 || !strings.HasSuffix(files[0], "mchen@northwind-studio.com.eml") {
		t.Fatalf(".eml files %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if p := parseDraft(t, b); !strings.HasPrefix(p.body, "Dear Michael Chen,") {
		t.Errorf("per-contact draft from the file, with the name from the address book:\n%s", p.body)
	}
}
