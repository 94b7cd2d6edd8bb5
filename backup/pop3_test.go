package backup_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/mbox"
	"github.com/mailark/mailark/internal/pop3"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
	"github.com/mailark/mailark/internal/testmail"
)

// popCorpus is the broken-mail and charset corpus, as a POP3 maildrop.
func popCorpus() [][]byte {
	var out [][]byte
	for _, f := range testmail.Broken() {
		out = append(out, f.Raw)
	}
	for _, f := range testmail.Charsets() {
		out = append(out, f.Raw)
	}
	return out
}

// overPOP3 is msg as a POP3 client receives it: RFC 1939 has no way to
// send a message that does not end in CRLF, so servers add one.
func overPOP3(msg []byte) []byte {
	if bytes.HasSuffix(msg, []byte("\r\n")) {
		return msg
	}
	return append(append([]byte(nil), msg...), '\r', '\n')
}

func popOptions(s *testimap.POP3Server, dir string) backup.POP3Options {
	return backup.POP3Options{
		Conn: pop3.Config{Host: s.Host, Port: s.Port, Security: imapconn.Plain, User: "taro", Password: secret.New("pw"),
			DialTimeout: 10 * time.Second},
		ArchiveDir: dir,
		Policy:     noWait,
	}
}

// popArchive reads the POP3 source's folder: key to bytes, from SQLite,
// after checking that the mbox file holds the same messages in the same
// order and that no key or message is there twice.
func popArchive(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	a, err := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open archive: %v", err)
	}
	defer a.Close()
	srcs, err := a.Sources(ctx)
	if err != nil || len(srcs) != 1 || srcs[0].Kind != archive.SourcePOP3 || srcs[0].Protocol != "pop3" {
		t.Fatalf("sources = %v, %v; want one POP3 source", srcs, err)
	}
	fs, err := a.SourceFolders(ctx, srcs[0].ID)
	if err != nil || len(fs) != 1 || fs[0].Role != "inbox" {
		t.Fatalf("source folders = %v, %v; want one inbox", fs, err)
	}
	f := fs[0]
	byUID := map[uint32]*archive.MessageInfo{}
	var rows []*archive.MessageInfo
	if err := a.EachMessage(ctx, f.ID, func(m *archive.MessageInfo) error {
		rows = append(rows, m)
		byUID[m.UID] = m
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	if err := a.EachSourceKey(ctx, f.ID, func(k *archive.SourceKey) error {
		m := byUID[k.UID]
		if m == nil {
			return fmt.Errorf("key %q names uid %d, not archived", k.Key, k.UID)
		}
		if _, dup := out[k.Key]; dup {
			return fmt.Errorf("key %q twice", k.Key)
		}
		data, err := io.ReadAll(a.OpenMessage(ctx, m.ID))
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != m.SHA256 || int64(len(data)) != m.Size {
			return fmt.Errorf("key %q: stored bytes differ from their hash", k.Key)
		}
		out[k.Key] = data
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(out) != len(rows) {
		t.Errorf("%d messages, %d keys", len(rows), len(out))
	}
	fh, err := os.Open(a.Path(f.MboxPath))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	r := mbox.NewReader(fh)
	for i := 0; ; i++ {
		e, err := r.Next()
		if err == io.EOF {
			if i != len(rows) {
				t.Errorf("mbox has %d messages, SQLite %d", i, len(rows))
			}
			break
		}
		if err != nil {
			t.Fatalf("mbox: %v", err)
		}
		h := sha256.New()
		io.Copy(h, e.Body)
		if i >= len(rows) || hex.EncodeToString(h.Sum(nil)) != rows[i].SHA256 {
			t.Errorf("mbox message %d differs from SQLite", i)
		}
	}
	return out
}

// wantByUIDL is what the server holds, by UIDL.
func wantByUIDL(s *testimap.POP3Server, msgs [][]byte) map[string][]byte {
	out := map[string][]byte{}
	for i, m := range msgs {
		out[s.UIDL(i)] = overPOP3(m)
	}
	return out
}

func sameMessages(t testing.TB, got, want map[string][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("archive holds %d messages, want %d", len(got), len(want))
	}
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("%s not archived", k)
		case !bytes.Equal(g, w):
			t.Errorf("%s archived as %d bytes differing from the server's %d", k, len(g), len(w))
		}
	}
}

func noDele(t testing.TB, s *testimap.POP3Server) {
	t.Helper()
	for _, c := range s.Commands() {
		if c == "DELE" {
			t.Fatalf("the backup sent DELE")
		}
	}
}

func TestPOP3BackupAndRerun(t *testing.T) {
	msgs := popCorpus()
	s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: msgs})
	opts := popOptions(s, tempArchive(t))
	sum, err := backup.RunPOP3(context.Background(), opts)
	if err != nil || !sum.OK() || sum.New != int64(len(msgs)) {
		t.Fatalf("RunPOP3() = %d new, %v, failures %v", sum.New, err, sum.Failures)
	}
	if len(sum.Folders) != 1 || sum.Folders[0].Name != "POP3 taro@127.0.0.1/INBOX" || sum.Folders[0].ServerMessages != uint32(len(msgs)) {
		t.Errorf("folders = %+v", sum.Folders)
	}
	sameMessages(t, popArchive(t, opts.ArchiveDir), wantByUIDL(s, msgs))

	retrs := s.Retrs()
	sum, err = backup.RunPOP3(context.Background(), opts)
	if err != nil || sum.New != 0 || s.Retrs() != retrs || len(sum.Notes) != 0 {
		t.Errorf("second RunPOP3() = %d new, %d RETR, notes %v, %v; want nothing fetched", sum.New, s.Retrs()-retrs, sum.Notes, err)
	}
	noDele(t, s)
}

func TestPOP3WithoutUsableUIDLs(t *testing.T) {
	msgs := popCorpus()[:6]
	tests := []struct {
		name  string
		opts  testimap.POP3Options
		notes string
	}{
		{"no UIDL command", testimap.POP3Options{NoUIDL: true}, "does not support UIDL"},
		{"repeated and missing UIDLs", testimap.POP3Options{UIDLs: []string{"a", "a", "", "sha256:x", "b", "c"}}, "missing, repeated or unusable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.User, o.Password, o.Messages = "taro", "pw", msgs
			s := testimap.StartPOP3(t, o)
			opts := popOptions(s, tempArchive(t))
			for run := 1; run <= 2; run++ {
				sum, err := backup.RunPOP3(context.Background(), opts)
				wantNew := int64(len(msgs))
				if run == 2 {
					wantNew = 0
				}
				if err != nil || !sum.OK() || sum.New != wantNew {
					t.Fatalf("run %d: RunPOP3() = %d new, %v, %v; want %d", run, sum.New, err, sum.Failures, wantNew)
				}
				if !strings.Contains(strings.Join(sum.Notes, " "), tt.notes) {
					t.Errorf("run %d: notes %q, want one saying %q", run, sum.Notes, tt.notes)
				}
			}
			got := popArchive(t, opts.ArchiveDir)
			if len(got) != len(msgs) {
				t.Fatalf("archived %d, want %d", len(got), len(msgs))
			}
			var all [][]byte
			for _, m := range got {
				all = append(all, m)
			}
			for i, m := range msgs {
				found := false
				for _, g := range all {
					found = found || bytes.Equal(g, overPOP3(m))
				}
				if !found {
					t.Errorf("message %d not archived byte for byte", i+1)
				}
			}
		})
	}
}

func TestPOP3MessageDeletedBetweenUIDLAndRetr(t *testing.T) {
	msgs := popCorpus()[:5]
	s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: msgs, Deleted: map[int]bool{2: true}})
	opts := popOptions(s, tempArchive(t))
	sum, err := backup.RunPOP3(context.Background(), opts)
	if err != nil {
		t.Fatalf("RunPOP3() = %v, want the run to finish", err)
	}
	if sum.OK() || len(sum.Failures) != 1 || !strings.Contains(sum.Failures[0].Reason, "UIDL uid-2") || sum.New != 4 {
		t.Fatalf("RunPOP3() = %d new, failures %+v; want uid-2 listed as not saved", sum.New, sum.Failures)
	}
	// Again: the same one failure, listed once.
	sum, _ = backup.RunPOP3(context.Background(), opts)
	if len(sum.Failures) != 1 {
		t.Errorf("second run lists %d failures, want 1", len(sum.Failures))
	}
	// Once the server no longer lists it, nothing is left to fetch.
	s2 := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: [][]byte{msgs[0], msgs[2], msgs[3], msgs[4]},
		UIDLs: []string{"uid-1", "uid-3", "uid-4", "uid-5"}})
	opts2 := popOptions(s2, opts.ArchiveDir)
	opts2.Conn.Port = s.Port // the same source: the same location
	s.Close()
	opts2.Conn.Dial = redirect(s2.Addr)
	sum, err = backup.RunPOP3(context.Background(), opts2)
	if err != nil || !sum.OK() || sum.New != 0 {
		t.Errorf("run after the deletion = %d new, %v, failures %v; want OK", sum.New, err, sum.Failures)
	}
}

// redirect dials addr whatever address is asked for.
func redirect(addr string) func(ctx context.Context, network, _ string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

func TestPOP3TooLargeMessages(t *testing.T) {
	msgs := popCorpus()[:4]
	msgs = append(msgs, testmail.Large(300<<10))
	s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: msgs,
		Sizes: map[int]int64{2: 10 << 30, 5: 1000}}) // 10 GB announced for message 2; message 5 sends more than it announces
	opts := popOptions(s, tempArchive(t))
	opts.MaxMessageBytes = 200 << 10
	opts.SpoolBytes = 64 << 10
	sum, err := backup.RunPOP3(context.Background(), opts)
	if err != nil {
		t.Fatalf("RunPOP3() = %v", err)
	}
	if sum.New != 3 || len(sum.Failures) != 2 {
		t.Fatalf("RunPOP3() = %d new, failures %+v; want 3 saved, 2 too large", sum.New, sum.Failures)
	}
	if s.Retrs() != 4 {
		t.Errorf("%d RETR, want 4 (the 10 GB message is not asked for); commands %v; failures %+v", s.Retrs(), s.Commands(), sum.Failures)
	}
	got := popArchive(t, opts.ArchiveDir)
	for _, i := range []int{0, 2, 3} {
		if !bytes.Equal(got[s.UIDL(i)], overPOP3(msgs[i])) {
			t.Errorf("message %d not archived byte for byte", i+1)
		}
	}
}

func TestPOP3DroppedConnectionsAreRetried(t *testing.T) {
	msgs := popCorpus()
	msgs = append(msgs, testmail.Large(2<<20))
	s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: msgs})
	cuts := []int64{300, 20_000, 60_000, 1_000_000}
	proxy := testimap.StartProxy(t, s.Addr, func(n int) testimap.Fault {
		if n < len(cuts) {
			return testimap.Fault{CutDownAfter: cuts[n], Reset: n == 1}
		}
		return testimap.Fault{}
	})
	opts := popOptions(s, tempArchive(t))
	opts.Conn.Port = proxy.Port
	sum, err := backup.RunPOP3(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("RunPOP3() through a cutting proxy = %v, failures %v", err, sum.Failures)
	}
	if sum.Retries != len(cuts) {
		t.Errorf("retries %d, want %d", sum.Retries, len(cuts))
	}
	sameMessages(t, popArchive(t, opts.ArchiveDir), wantByUIDL(s, msgs))
}

func TestPOP3EndlessListing(t *testing.T) {
	msgs := popCorpus()[:3]
	s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: msgs,
		Wire: func(_ int, cmd, _ string, w io.Writer) bool {
			if cmd != "UIDL" {
				return false
			}
			io.WriteString(w, "+OK\r\n")
			for i := 0; i < 100000; i++ {
				fmt.Fprintf(w, "%d x%d\r\n", 1+i%3, i)
			}
			return true
		}})
	opts := popOptions(s, tempArchive(t))
	sum, err := backup.RunPOP3(context.Background(), opts)
	if mailerr.KindOf(err) != mailerr.ServerError || !strings.Contains(err.Error(), "UIDL listing has more than 3 lines") {
		t.Fatalf("RunPOP3() = %v, want a server error naming the bad listing", err)
	}
	if sum.New != 0 || len(popArchive(t, opts.ArchiveDir)) != 0 {
		t.Errorf("RunPOP3() saved %d", sum.New)
	}
}

func TestPOP3StallAndTrickleAreReconnected(t *testing.T) {
	msgs := popCorpus()
	msgs = append(msgs, testmail.Large(300<<10))
	tests := []struct {
		name  string
		fault testimap.Fault
	}{
		{"silent", testimap.Fault{StallDownAfter: 30_000}},
		{"trickling", testimap.Fault{TrickleDownAfter: 30_000, TrickleEvery: 20 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: msgs})
			proxy := testimap.StartProxy(t, s.Addr, func(n int) testimap.Fault {
				if n == 0 {
					return tt.fault
				}
				return testimap.Fault{}
			})
			opts := popOptions(s, tempArchive(t))
			opts.Conn.Port = proxy.Port
			opts.Conn.IdleTimeout, opts.Conn.TrickleWindow = 300*time.Millisecond, 300*time.Millisecond
			sum, err := backup.RunPOP3(context.Background(), opts)
			if err != nil || !sum.OK() || sum.Retries != 1 {
				t.Fatalf("RunPOP3() = %v, %d retries, failures %v; want one reconnect", err, sum.Retries, sum.Failures)
			}
			sameMessages(t, popArchive(t, opts.ArchiveDir), wantByUIDL(s, msgs))
		})
	}
}

func TestPOP3Progress(t *testing.T) {
	msgs := popCorpus()[:10]
	s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: msgs, Deleted: map[int]bool{4: true}})
	opts := popOptions(s, tempArchive(t))
	var events []progress.Event
	opts.Progress = func(e progress.Event) { events = append(events, e) }
	if _, err := backup.RunPOP3(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	notices := map[progress.NoticeKind]int{}
	for _, e := range events {
		if e.Kind == progress.Notice {
			notices[e.Notice.Kind]++
		}
	}
	last := events[len(events)-1]
	if last.Kind != progress.Status || last.Done != 9 || last.Total != 9 || last.Bytes == 0 || last.Bytes != last.TotalBytes ||
		last.Step != "backup" || last.Folder != "POP3 taro@127.0.0.1/INBOX" {
		t.Errorf("last event %+v, want a final status at 9 of 9 messages, all bytes", last)
	}
	if notices[progress.FolderStarted] != 1 || notices[progress.FolderDone] != 1 || notices[progress.MessageFailed] != 1 {
		t.Errorf("notices %v, want a folder started and done and one message failed", notices)
	}
}

// TestPOP3RandomCuts cuts the first connections at random bytes, up and
// down, with FIN or RST: every run ends with every message once.
func TestPOP3RandomCuts(t *testing.T) {
	msgs := popCorpus()
	msgs = append(msgs, testmail.Large(1<<20))
	s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: msgs})
	want := wantByUIDL(s, msgs)
	for seed := int64(1); seed <= 5; seed++ {
		rng := rand.New(rand.NewSource(seed))
		faults := make([]testimap.Fault, 6)
		for i := range faults {
			if rng.Intn(4) == 0 {
				faults[i].CutUpAfter = 1 + rng.Int63n(200)
			} else {
				faults[i].CutDownAfter = 1 + rng.Int63n(1_400_000)
			}
			faults[i].Reset = rng.Intn(2) == 0
		}
		proxy := testimap.StartProxy(t, s.Addr, func(n int) testimap.Fault {
			if n < len(faults) {
				return faults[n]
			}
			return testimap.Fault{}
		})
		opts := popOptions(s, tempArchive(t))
		opts.Conn.Port = proxy.Port
		opts.BatchMessages = 4
		sum, err := backup.RunPOP3(context.Background(), opts)
		if err != nil || !sum.OK() {
			t.Fatalf("seed %d: RunPOP3() = %v, failures %v (faults %+v)", seed, err, sum.Failures, faults)
		}
		sameMessages(t, popArchive(t, opts.ArchiveDir), want)
	}
}

// The same maildrop reached on another port (995 with TLS one day, 110
// with STLS the next) is one mailbox: the second run fetches nothing and
// the archive holds one POP3 source.
func TestPOP3SameMailboxOnAnotherPort(t *testing.T) {
	msgs := popCorpus()
	dir := tempArchive(t)
	first := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: msgs})
	if sum, err := backup.RunPOP3(context.Background(), popOptions(first, dir)); err != nil || sum.New != int64(len(msgs)) {
		t.Fatalf("first run: %d new, %v", sum.New, err)
	}
	second := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: msgs})
	if second.Port == first.Port {
		t.Fatal("the two servers share a port")
	}
	sum, err := backup.RunPOP3(context.Background(), popOptions(second, dir))
	if err != nil || sum.New != 0 {
		t.Fatalf("the same mailbox on port %d: %d new, %v; want nothing new", second.Port, sum.New, err)
	}
	sameMessages(t, popArchive(t, dir), wantByUIDL(second, msgs))
}

// SurveyPOP3 counts the mailbox and what a backup would fetch, without
// fetching any message.
func TestSurveyPOP3(t *testing.T) {
	msgs := popCorpus()
	s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: msgs})
	opts := popOptions(s, tempArchive(t))
	res, err := backup.SurveyPOP3(context.Background(), opts)
	if err != nil || res.Messages != int64(len(msgs)) || res.ToFetch != int64(len(msgs)) || len(res.Folders) != 1 || s.Retrs() != 0 {
		t.Fatalf("SurveyPOP3() before a backup = %+v, %v, %d RETR", res, err, s.Retrs())
	}
	if _, err := backup.RunPOP3(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	retrs := s.Retrs()
	res, err = backup.SurveyPOP3(context.Background(), opts)
	if err != nil || res.ToFetch != 0 || res.Folders[0].Archived != int64(len(msgs)) || s.Retrs() != retrs {
		t.Fatalf("SurveyPOP3() after a backup = %+v, %v", res, err)
	}
}
