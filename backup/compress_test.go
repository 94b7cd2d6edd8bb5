package backup_test

import (
	"bufio"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
)

// pinnedRate is a LinkRate that decides at once, as if the link had
// delivered rate bytes a second per connection.
func pinnedRate(rate float64) func(imapconn.LinkStats) (float64, bool) {
	return func(imapconn.LinkStats) (float64, bool) { return rate, true }
}

// TestDovecotCompress backs up the demo account from a Dovecot that offers
// COMPRESS=DEFLATE, through a proxy that counts the bytes on the wire:
// compressed or not, every message is stored byte for byte; --compress on
// and auto on a slow link carry fewer bytes than the mail, off and auto on
// a fast link (loopback) carry it all, uncompressed.
func TestDovecotCompress(t *testing.T) {
	d := testimap.StartDovecot(t)
	d.OfferCompress(t)
	seedDemo(t, d, "user")
	state := serverState(t, dovecotClient(t, d, "user", "password"))

	tests := []struct {
		name       string
		mode       backup.Compress
		rate       float64 // pinned link rate for auto; 0: measured
		compressed bool
		reason     string
	}{
		{"on", backup.CompressOn, 0, true, "compression on (--compress on)"},
		{"off", backup.CompressOff, 0, false, "compression off (--compress off)"},
		{"auto on a fast link", backup.CompressAuto, 100e6, false, "compression off: the link delivered 100.0 MB/s per connection"},
		{"auto on a slow link", backup.CompressAuto, 2e6, true, "compression on: the link delivered 2.0 MB/s per connection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxy := testimap.StartProxy(t, d.PlainAddr(), func(int) testimap.Fault { return testimap.Fault{} })
			opts := backup.Options{Conn: config(proxy.Host, proxy.Port, "user", "password"), ArchiveDir: tempArchive(t),
				Connections: 2, FetchChunk: 20, Compress: tt.mode}
			if tt.rate > 0 {
				opts.LinkRate = pinnedRate(tt.rate)
			}
			sum, err := backup.Run(context.Background(), opts)
			if err != nil || !sum.OK() {
				t.Fatalf("Run() = %v, failures %v", err, sum.Failures)
			}
			checkArchive(t, opts.ArchiveDir, state)
			c := sum.Compression
			if !c.Offered || c.Used != tt.compressed || !strings.HasPrefix(c.Reason, tt.reason) {
				t.Errorf("Compression = %+v, want used %v, reason starting %q", c, tt.compressed, tt.reason)
			}
			_, down := proxy.Bytes()
			if tt.compressed && down > sum.NewBytes*3/4 {
				t.Errorf("compressed: %d bytes came over the wire for %d bytes of mail", down, sum.NewBytes)
			}
			if !tt.compressed && down < sum.NewBytes {
				t.Errorf("uncompressed: only %d bytes came over the wire for %d bytes of mail", down, sum.NewBytes)
			}
		})
	}

	// Without imap_zlib nothing changes, whatever the mode.
	t.Run("not offered", func(t *testing.T) {
		if err := d.SetCompress(false); err != nil {
			t.Fatal(err)
		}
		opts := backup.Options{Conn: config(d.Host, d.PlainPort, "user", "password"), ArchiveDir: tempArchive(t),
			Compress: backup.CompressOn}
		sum, err := backup.Run(context.Background(), opts)
		if err != nil || !sum.OK() {
			t.Fatalf("Run() = %v, failures %v", err, sum.Failures)
		}
		checkArchive(t, opts.ArchiveDir, state)
		if c := sum.Compression; c.Offered || c.Used || !strings.Contains(c.Reason, "does not offer") {
			t.Errorf("Compression = %+v, want not offered, not used", c)
		}
	})
}

// TestDovecotCompressCutResumes: connections cut in the middle of a
// compressed stream reconnect and go on; nothing is lost or stored twice.
func TestDovecotCompressCutResumes(t *testing.T) {
	d := testimap.StartDovecot(t)
	d.OfferCompress(t)
	seedDemo(t, d, "user")
	state := serverState(t, dovecotClient(t, d, "user", "password"))
	proxy := testimap.StartProxy(t, d.PlainAddr(), func(n int) testimap.Fault {
		if n < 3 {
			return testimap.Fault{CutDownAfter: int64(60_000 * (n + 1))}
		}
		return testimap.Fault{}
	})
	opts := backup.Options{Conn: config(proxy.Host, proxy.Port, "user", "password"), ArchiveDir: tempArchive(t),
		Connections: 1, FetchChunk: 20, Compress: backup.CompressOn, BatchMessages: 10,
		Policy: noWait}
	sum, err := backup.Run(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Run() = %v, failures %v", err, sum.Failures)
	}
	if proxy.Cuts() != 3 || sum.Retries < 3 {
		t.Errorf("%d cuts, %d retries: want three compressed connections cut and retried", proxy.Cuts(), sum.Retries)
	}
	if !sum.Compression.Used {
		t.Errorf("Compression = %+v, want used", sum.Compression)
	}
	checkArchive(t, opts.ArchiveDir, state)
}

// TestCompressHostileServer: a server that agrees to COMPRESS and then
// sends what does not inflate stops the backup with one clear line, not a
// retry loop or a parse error.
func TestCompressHostileServer(t *testing.T) {
	port := testimap.ScriptedCaps(t, "COMPRESS=DEFLATE", func(tag, cmd, args string, w *bufio.Writer) {
		if cmd == "COMPRESS" {
			w.WriteString(tag + " OK DEFLATE active\r\n")
			w.WriteString(strings.Repeat("* 1 FETCH (UID 1)\r\n", 50))
			return
		}
		w.WriteString(tag + " BAD unexpected\r\n")
	})
	opts := backup.Options{Conn: imapconn.Config{Host: "127.0.0.1", Port: port, Security: imapconn.Plain, User: "u",
		Password: secret.New("p"), DialTimeout: 10 * time.Second}, ArchiveDir: tempArchive(t), Compress: backup.CompressOn,
		Policy: noWait}
	sum, err := backup.Run(context.Background(), opts)
	if err == nil || !errors.Is(err, imapconn.ErrCompressBroken) || !strings.Contains(err.Error(), "is corrupt") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Run() = %v, want one line saying the compressed data is corrupt", err)
	}
	if mailerr.KindOf(err) != mailerr.ServerError || sum.Retries != 0 {
		t.Errorf("kind %v after %d retries, want ServerError at once", mailerr.KindOf(err), sum.Retries)
	}
}
