// Command pop3 measures Mailark's POP3 backup next to a bare POP3 fetch
// that stores nothing, on one private Dovecot over TLS on loopback:
//
//	go run ./bench/pop3 [-n 20000] [-seed 1] [-keep]
//
// It starts a private Dovecot with its POP3 server (internal/testimap's
// launcher; needs Debian's dovecot-pop3d), seeds -n generated messages into
// INBOX (the one folder POP3 sees; sizes like a real mailbox: 2–30 KB of
// text, log-uniform; 3% with a 0.5–5 MB attachment; one of 25 MB), lets
// Dovecot index them with one untimed bare fetch, and then times, in this
// process:
//
//   - bare fetch: the pop3 client alone, STAT, LIST, UIDL and a RETR of
//     every message, each streamed into SHA-256 and dropped: the limit the
//     server and the wire set;
//   - backup: backup.RunPOP3 into a new archive (mbox file and SQLite,
//     committed durably);
//   - rerun: the same again, with nothing new (UIDL only);
//   - verify, verify --deep: gate.VerifyPOP3, the deep one fetching every
//     message again; its "0 problems" is the byte-exact check.
//
// Peak RSS is the process's VmHWM, reset before each step
// (/proc/self/clear_refs). Caches are warm. The machine is shared and
// noisy: compare within one run.
package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/bench/internal/corpus"
	"github.com/mailark/mailark/bench/internal/proc"
	"github.com/mailark/mailark/bench/internal/steps"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/pop3"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
)

func main() {
	corpus.Main("bench/pop3", "write CPU profiles of the timed bare fetch to this file, of the backup to this file + .backup", run)
}

func run(f corpus.Flags) error {
	n, seed, cpuProfile := f.N, f.Seed, f.CPUProfile
	d, work, stop, err := corpus.Dovecot("mailark-bench-pop3-", f.Keep)
	if err != nil {
		return err
	}
	defer stop()
	if d.POP3TLSPort == 0 {
		return fmt.Errorf("dovecot's POP3 server is not installed (make deps installs dovecot-pop3d)")
	}
	t := time.Now()
	var wireBytes int64
	var batch []testimap.SeedMessage
	for i := range n {
		raw := corpus.Message(rand.New(rand.NewPCG(seed, uint64(i))), corpus.User, seed, i, n)
		wireBytes += int64(len(raw))
		batch = append(batch, testimap.SeedMessage{Raw: raw})
		if len(batch) == 500 || i == n-1 {
			if err := d.SeedFolder(corpus.User, "INBOX", batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	fmt.Printf("seeded %d messages, %.0f MB, in %.1f s\n", n, float64(wireBytes)/1e6, time.Since(t).Seconds())
	ctx := context.Background()
	cfg := pop3.Config{Host: d.Host, Port: d.POP3TLSPort, Security: imapconn.TLS, CAFile: d.CAFile, User: corpus.User,
		Password: secret.New(corpus.Password)}
	t = time.Now()
	if _, err := bareFetch(ctx, cfg); err != nil {
		return fmt.Errorf("untimed first fetch: %w", err)
	}
	fmt.Printf("Dovecot indexed them in %.1f s (an untimed bare fetch)\n", time.Since(t).Seconds())
	fmt.Printf("%s, %d cores, load average %s\n\n", runtime.Version(), runtime.NumCPU(), proc.LoadAvg())

	dir := filepath.Join(work, "archive")
	var table steps.Table
	list := []struct {
		name string
		f    func() (string, error)
	}{
		{"bare fetch", func() (string, error) {
			stopProfile, err := proc.CPUProfile(cpuProfile)
			if err != nil {
				return "", err
			}
			defer stopProfile()
			got, err := bareFetch(ctx, cfg)
			return fmt.Sprintf("%d fetched, nothing stored", got), err
		}},
		{"backup", func() (string, error) {
			if cpuProfile != "" {
				stopProfile, err := proc.CPUProfile(cpuProfile + ".backup")
				if err != nil {
					return "", err
				}
				defer stopProfile()
			}
			sum, err := backup.RunPOP3(ctx, backup.POP3Options{Conn: cfg, ArchiveDir: dir})
			return fmt.Sprintf("%d archived, %d failed", sum.New, len(sum.Failures)), err
		}},
		{"rerun", func() (string, error) {
			sum, err := backup.RunPOP3(ctx, backup.POP3Options{Conn: cfg, ArchiveDir: dir})
			return fmt.Sprintf("%d new", sum.New), err
		}},
		{"verify", func() (string, error) {
			res, err := gate.VerifyPOP3(ctx, gate.VerifyPOP3Options{Conn: cfg, ArchiveDir: dir})
			return fmt.Sprintf("%d verified, %d problems", res.Verified, len(res.Problems)), err
		}},
		{"verify --deep", func() (string, error) {
			res, err := gate.VerifyPOP3(ctx, gate.VerifyPOP3Options{Conn: cfg, ArchiveDir: dir, Deep: true})
			return fmt.Sprintf("%d verified byte for byte, %d problems", res.Verified, len(res.Problems)), err
		}},
	}
	for _, s := range list {
		if err := table.Run(s.name, s.f); err != nil {
			return err
		}
	}
	fmt.Printf("\nN = %d, %.0f MB, Dovecot POP3 over TLS on loopback, warm caches\n\n", n, float64(wireBytes)/1e6)
	table.Print(os.Stdout, "bare", n, wireBytes)
	if f.Keep {
		fmt.Printf("\nkept: %s\n", work)
	}
	return nil
}

// bareFetch reads every message over POP3 into SHA-256 and drops it.
func bareFetch(ctx context.Context, cfg pop3.Config) (int, error) {
	c, err := pop3.Dial(ctx, cfg)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	count, _, err := c.Stat()
	if err != nil {
		return 0, err
	}
	if _, err := c.List(count); err != nil {
		return 0, err
	}
	if _, err := c.UIDL(count); err != nil {
		return 0, err
	}
	h := sha256.New()
	for i := 1; i <= count; i++ {
		r, err := c.Retr(i)
		if err != nil {
			return i - 1, err
		}
		h.Reset()
		if _, err := io.Copy(h, r); err != nil {
			return i - 1, err
		}
	}
	return count, nil
}
