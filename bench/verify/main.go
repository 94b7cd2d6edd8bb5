// Command verify measures verification next to the backup it checks, in one
// run, on one private Dovecot over TLS on loopback:
//
//	go run ./bench/verify [-n 20000] [-seed 1] [-keep] [-cpuprofile F]
//
// It starts a private Dovecot (internal/testimap's launcher), seeds -n
// generated messages (sizes like a real mailbox: 2–30 KB of text,
// log-uniform; 3% with a 0.5–5 MB attachment; one of 25 MB) into INBOX,
// Sent, Archive/2019 and 取引先, lets Dovecot index them (an untimed FETCH of
// UID and RFC822.SIZE), and then times, in this process: backup.Run into a
// new archive; a shallow gate.Verify (every UID and size on the server,
// every mbox file and every stored message re-read and hashed); a deep one
// (every message fetched again and hashed as well); a gate check; and the
// report (which hashes every archive file). Peak RSS is the process's
// VmHWM, reset before each step (/proc/self/clear_refs). Caches are warm.
// The machine is shared and noisy: compare within one run.
package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/bench/internal/corpus"
	"github.com/mailark/mailark/bench/internal/proc"
	"github.com/mailark/mailark/bench/internal/steps"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
)

func main() {
	corpus.Main("bench/verify", "write a CPU profile of the shallow verification to this file", run)
}

func run(f corpus.Flags) error {
	n, seed, cpuProfile := f.N, f.Seed, f.CPUProfile
	d, work, stop, err := corpus.Dovecot("mailark-bench-verify-", f.Keep)
	if err != nil {
		return err
	}
	defer stop()

	t := time.Now()
	messages, wireBytes, err := seedCorpus(d, n, seed)
	if err != nil {
		return err
	}
	fmt.Printf("seeded %d messages, %.0f MB, in %.1f s\n", messages, float64(wireBytes)/1e6, time.Since(t).Seconds())
	t = time.Now()
	if err := index(d); err != nil {
		return err
	}
	fmt.Printf("Dovecot indexed them in %.1f s (untimed)\n", time.Since(t).Seconds())
	fmt.Printf("%s, %d cores, load average %s\n\n", runtime.Version(), runtime.NumCPU(), proc.LoadAvg())

	ctx := context.Background()
	conn := imapconn.Config{Host: d.Host, Port: d.TLSPort, Security: imapconn.TLS, CAFile: d.CAFile,
		User: corpus.User, Password: secret.New(corpus.Password)}
	dir := filepath.Join(work, "archive")
	var table steps.Table
	if err := table.Run("backup", func() (string, error) {
		sum, err := backup.Run(ctx, backup.Options{Conn: conn, ArchiveDir: dir})
		return fmt.Sprintf("%d archived, %d failed", sum.Total, len(sum.Failures)), err
	}); err != nil {
		return err
	}
	if err := recordExport(ctx, dir); err != nil {
		return err
	}
	for _, deep := range []bool{false, true} {
		name := "verify"
		if deep {
			name = "verify --deep"
		}
		if err := table.Run(name, func() (string, error) {
			if !deep {
				stopProfile, err := proc.CPUProfile(cpuProfile)
				if err != nil {
					return "", err
				}
				defer stopProfile()
			}
			res, err := gate.Verify(ctx, gate.VerifyOptions{Conn: conn, ArchiveDir: dir, Deep: deep})
			return fmt.Sprintf("%d verified, %d problems", res.Verified, len(res.Problems)), err
		}); err != nil {
			return err
		}
	}
	if err := table.Run("gate check", func() (string, error) {
		v, err := gate.Check(ctx, gate.GateOptions{Conn: conn, ArchiveDir: dir})
		return fmt.Sprintf("open: %v", v.Open), err
	}); err != nil {
		return err
	}
	if err := table.Run("report", func() (string, error) {
		r, err := gate.BuildReport(ctx, gate.ReportOptions{ArchiveDir: dir})
		if err != nil {
			return "", err
		}
		var total int64
		for _, f := range r.Files {
			total += f.Bytes
		}
		return fmt.Sprintf("%d files, %.0f MB hashed", len(r.Files), float64(total)/1e6), nil
	}); err != nil {
		return err
	}

	fmt.Printf("\nN = %d, %.0f MB on the wire, Dovecot over TLS on loopback, warm caches\n\n", messages, float64(wireBytes)/1e6)
	table.Print(os.Stdout, "backup", messages, wireBytes)
	if f.Keep {
		fmt.Printf("\nkept: %s\n", work)
	}
	return nil
}

// recordExport stands in for `mailark contacts export`, so the gate can open.
func recordExport(ctx context.Context, dir string) error {
	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	return a.RecordExport(ctx, archive.ExportRecord{At: time.Now(), Format: string(addressbook.FormatVCard4),
		Path: "/dev/null", SHA256: strings.Repeat("0", 64)}, nil)
}

// seedCorpus writes n generated messages into the maildir, in blocks.
func seedCorpus(d *testimap.Dovecot, n int, seed uint64) (int, int64, error) {
	pending := map[string][]testimap.SeedMessage{}
	var wire int64
	flush := func() error {
		for folder, msgs := range pending {
			if err := d.SeedFolder(corpus.User, folder, msgs); err != nil {
				return err
			}
		}
		clear(pending)
		return nil
	}
	for i := range n {
		folder, raw := generate(seed, i, n)
		pending[folder] = append(pending[folder], testimap.SeedMessage{Raw: raw, Flags: []string{`\Seen`},
			InternalDate: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)})
		wire += int64(len(raw))
		if i%500 == 499 {
			if err := flush(); err != nil {
				return 0, 0, err
			}
		}
	}
	return n, wire, flush()
}

// generate makes message i and picks its folder (10% Sent, 7%
// Archive/2019, 3% 取引先, the rest INBOX).
func generate(seed uint64, i, n int) (folder string, raw []byte) {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	switch x := r.Float64(); {
	case x < 0.10:
		folder = "Sent"
	case x < 0.17:
		folder = "Archive/2019"
	case x < 0.20:
		folder = "取引先"
	default:
		folder = "INBOX"
	}
	return folder, corpus.Message(r, corpus.User, seed, i, n)
}

// index lets Dovecot index the corpus: an untimed FETCH of UID and size.
func index(d *testimap.Dovecot) error {
	c, err := imapclient.DialTLS(d.TLSAddr(), &imapclient.Options{TLSConfig: d.TLSConfig()})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(corpus.User, corpus.Password).Wait(); err != nil {
		return err
	}
	for _, f := range []string{"INBOX", "Sent", "Archive/2019", "取引先"} {
		if _, err := c.Select(f, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			return err
		}
		if _, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, RFC822Size: true}).Collect(); err != nil {
			return err
		}
	}
	return nil
}
