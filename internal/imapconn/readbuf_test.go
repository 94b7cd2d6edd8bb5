package imapconn_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/secret"
)

// TestReadsTheNetworkInLargePieces: a connection reads what the kernel
// holds in pieces far larger than TLS asks for (a record, 16 KiB; about
// 32 KiB a read measured here without the buffer, 230 KiB with it), so
// that a large message costs few system calls. The message's bytes come
// out whole.
func TestReadsTheNetworkInLargePieces(t *testing.T) {
	cert, caFile := selfSigned(t, time.Now().Add(time.Hour))
	ln := tls.NewListener(listen(t), &tls.Config{Certificates: []tls.Certificate{cert}})
	serve(t, ln, nil)
	cfg := imapconn.Config{Host: "127.0.0.1", Port: port(ln), Security: imapconn.TLS, CAFile: caFile,
		User: testUser, Password: secret.New(testPass), DialTimeout: 5 * time.Second}
	c, err := imapconn.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := append([]byte("Subject: large\r\n\r\n"), bytes.Repeat([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\r\n"), 64<<10)...)
	ap := c.Append("INBOX", int64(len(msg)), nil)
	if _, err := ap.Write(msg); err != nil {
		t.Fatal(err)
	}
	if err := ap.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ap.Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	before := c.Link()
	cmd := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	m := cmd.Next()
	if m == nil {
		t.Fatal("no message in the answer")
	}
	// The answer comes while the literal is not taken yet: what the
	// kernel holds meanwhile is there for the reads to take at once.
	time.Sleep(200 * time.Millisecond)
	var got []byte
	for item := m.Next(); item != nil; item = m.Next() {
		if b, ok := item.(imapclient.FetchItemDataBodySection); ok && b.Literal != nil {
			got, err = io.ReadAll(b.Literal)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("the message came back as %d bytes, want its %d", len(got), len(msg))
	}
	after := c.Link()
	reads, bytesRead := after.Reads-before.Reads, after.WireBytes-before.WireBytes
	if reads == 0 || bytesRead/reads < 96<<10 {
		t.Errorf("%d bytes in %d reads from the network (%d a read): one TLS record at a time", bytesRead, reads, bytesRead/max(reads, 1))
	}
}
