package imapconn_test

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
)

// TestCompressDovecot: with COMPRESS=DEFLATE on, a real Dovecot's answers
// decompress to the very bytes it holds, fewer bytes cross the wire than
// the client reads, and commands after COMPRESS (compressed by us) work.
func TestCompressDovecot(t *testing.T) {
	d := testimap.StartDovecot(t)
	d.OfferCompress(t)
	var msgs []testimap.SeedMessage
	var want [][]byte
	for i := range 20 {
		raw := fmt.Appendf(nil, "From: a@example.org\r\nSubject: %d\r\n\r\n%s\r\n", i, strings.Repeat("compressible text line\r\n", 2000+i))
		msgs = append(msgs, testimap.SeedMessage{Raw: raw})
		want = append(want, raw)
	}
	d.Seed(t, "user", "INBOX", msgs)

	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			ctx := context.Background()
			c, err := imapconn.Dial(ctx, imapconn.Config{Host: d.Host, Port: d.TLSPort, CAFile: d.CAFile,
				User: "user", Password: secret.New("password"), Compress: compress})
			if err != nil {
				t.Fatalf("Dial() = %v", err)
			}
			defer c.Close()
			if !c.Caps.Compress {
				t.Fatalf("Caps.Compress = false with imap_zlib on")
			}
			if c.Compressed() != compress {
				t.Fatalf("Compressed() = %v, want %v", c.Compressed(), compress)
			}
			got := fetchAll(t, c)
			if len(got) != len(want) {
				t.Fatalf("fetched %d messages, want %d", len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("message %d differs from what Dovecot holds (%d bytes, want %d)", i+1, len(got[i]), len(want[i]))
				}
			}
			l := c.Link()
			if compress && l.WireBytes*4 > l.Bytes {
				t.Errorf("Link() = %+v: compressed, the wire should carry far fewer bytes than the stream", l)
			}
			if !compress && l.WireBytes < l.Bytes {
				t.Errorf("Link() = %+v: uncompressed, the wire carries at least the stream", l)
			}
		})
	}

	// Turned on later, between commands (as the backup does once it
	// measured the link).
	t.Run("later", func(t *testing.T) {
		ctx := context.Background()
		c, err := imapconn.Dial(ctx, imapconn.Config{Host: d.Host, Port: d.PlainPort, Security: imapconn.Plain,
			User: "user", Password: secret.New("password")})
		if err != nil {
			t.Fatalf("Dial() = %v", err)
		}
		defer c.Close()
		if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			t.Fatal(err)
		}
		if err := c.Compress(ctx); err != nil {
			t.Fatalf("Compress() = %v", err)
		}
		if err := c.Compress(ctx); err != nil {
			t.Fatalf("Compress() again = %v, want nil (nothing to do)", err)
		}
		got := fetchAll(t, c)
		if len(got) != len(want) || !bytes.Equal(got[19], want[19]) {
			t.Fatalf("after Compress, fetched %d messages or the last one differs", len(got))
		}
	})
}

func fetchAll(t *testing.T, c *imapconn.Conn) [][]byte {
	t.Helper()
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	var ss imap.SeqSet
	ss.AddRange(1, 0)
	msgs, err := c.Fetch(ss, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
	if err != nil {
		t.Fatalf("FETCH: %v", err)
	}
	var out [][]byte
	for _, m := range msgs {
		for _, b := range m.BodySection {
			out = append(out, b.Bytes)
		}
	}
	return out
}

// bomb sends prefix and then 64 MiB of zero bytes, deflated to about
// 64 KiB.
func bomb(prefix string) func(w io.Writer) {
	return func(w io.Writer) {
		zw, _ := flate.NewWriter(w, flate.BestCompression)
		zw.Write([]byte(prefix))
		zeros := make([]byte, 1<<20)
		for range 64 {
			if _, err := zw.Write(zeros); err != nil {
				return
			}
		}
		zw.Flush()
	}
}

// TestCompressHostile: whatever a server sends after agreeing to COMPRESS,
// the connection ends with one clear error, within the bounds of an
// uncompressed one, and memory stays bounded.
func TestCompressHostile(t *testing.T) {
	cases := []struct {
		name  string
		after func(w io.Writer) // what the server sends after "OK"
		want  string
	}{
		{"garbage", func(w io.Writer) { w.Write(bytes.Repeat([]byte("this is not deflate\xff\xfe\r\n"), 100)) },
			"compressed data (COMPRESS=DEFLATE) cannot be read: it is corrupt"},
		{"bomb: one endless line", bomb("* OK "), "longer than"},
		{"bomb: a huge literal in a LIST", bomb("* LIST () \"/\" {1073741824}\r\n"), "literal"},
		{"empty blocks forever", func(w io.Writer) {
			// A sync flush marker is an empty stored block: bytes move on
			// the wire and nothing comes of them.
			marker := bytes.Repeat([]byte{0, 0, 0, 0xff, 0xff}, 1000)
			for range 1000 {
				if _, err := w.Write(marker); err != nil {
					return
				}
			}
		}, "decompress to nothing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			port := testimap.ScriptedCaps(t, "COMPRESS=DEFLATE", func(tag, cmd, args string, w *bufio.Writer) {
				if cmd != "COMPRESS" {
					w.WriteString(tag + " BAD unexpected\r\n")
					return
				}
				w.WriteString(tag + " OK DEFLATE active\r\n")
				tc.after(w)
			})
			ctx := context.Background()
			c, err := imapconn.Dial(ctx, imapconn.Config{Host: "127.0.0.1", Port: port, Security: imapconn.Plain,
				User: "u", Password: secret.New("p"), Compress: true, IdleTimeout: 10 * time.Second})
			if err == nil {
				defer c.Close()
				_, err = c.List("", "*", nil).Collect()
				err = c.Classify(ctx, "list folders", err)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("after a hostile COMPRESS stream: err = %v, want one saying %q", err, tc.want)
			}
			if mailerr.KindOf(err) != mailerr.ServerError {
				t.Errorf("kind = %v, want ServerError", mailerr.KindOf(err))
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

// TestCompressRefused: a server that offers COMPRESS but answers NO leaves
// the connection as it was, uncompressed and working.
func TestCompressRefused(t *testing.T) {
	port := testimap.ScriptedCaps(t, "COMPRESS=DEFLATE", func(tag, cmd, args string, w *bufio.Writer) {
		switch cmd {
		case "COMPRESS":
			w.WriteString("* OK an untagged line first\r\n" + tag + " NO [COMPRESSIONACTIVE] not now\r\n")
		case "LIST":
			w.WriteString("* LIST () \"/\" INBOX\r\n" + tag + " OK done\r\n")
		default:
			w.WriteString(tag + " BAD unexpected\r\n")
		}
	})
	ctx := context.Background()
	c, err := imapconn.Dial(ctx, imapconn.Config{Host: "127.0.0.1", Port: port, Security: imapconn.Plain,
		User: "u", Password: secret.New("p")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Compress(ctx); !errors.Is(err, imapconn.ErrCompressRefused) {
		t.Fatalf("Compress() = %v, want ErrCompressRefused", err)
	}
	if c.Compressed() {
		t.Fatalf("Compressed() = true after NO")
	}
	list, err := c.List("", "*", nil).Collect()
	if err != nil || len(list) != 1 || list[0].Mailbox != "INBOX" {
		t.Fatalf("LIST after a refused COMPRESS = %v, %v", list, err)
	}
}

// TestCompressTrickleCountsDecompressed: on a compressed connection the
// trickle rule counts what decompresses, not the wire: a server that keeps
// the wire busy with empty blocks, slowly enough never to reach the bound
// on input without output, is cut as a stall.
func TestCompressTrickleCountsDecompressed(t *testing.T) {
	port := testimap.ScriptedCaps(t, "COMPRESS=DEFLATE", func(tag, cmd, args string, w *bufio.Writer) {
		if cmd != "COMPRESS" {
			w.WriteString(tag + " BAD unexpected\r\n")
			return
		}
		w.WriteString(tag + " OK DEFLATE active\r\n")
		w.Flush()
		marker := bytes.Repeat([]byte{0, 0, 0, 0xff, 0xff}, 400) // 2 KB a time: over TrickleBytes on the wire
		for range 500 {
			if _, err := w.Write(marker); err != nil || w.Flush() != nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	ctx := context.Background()
	c, err := imapconn.Dial(ctx, imapconn.Config{Host: "127.0.0.1", Port: port, Security: imapconn.Plain,
		User: "u", Password: secret.New("p"), Compress: true, IdleTimeout: 5 * time.Second, TrickleWindow: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.List("", "*", nil).Collect()
	err = c.Classify(ctx, "list folders", err)
	var te *imapconn.TrickleError
	if !errors.As(err, &te) || mailerr.KindOf(err) != mailerr.Timeout {
		t.Fatalf("a wire busy with empty blocks: err = %v, want a trickle (Timeout)", err)
	}
}
