package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
)

// counts is SHA-256 → how many messages, per folder.
type counts map[string]map[[32]byte]int

// fullKey is a message's bytes, flags and internal date in one key.
func fullKey(sum [32]byte, flags []string, unix int64) [32]byte {
	var fs []string
	for _, f := range flags {
		if !strings.EqualFold(f, `\Recent`) {
			fs = append(fs, strings.ToLower(f))
		}
	}
	sort.Strings(fs)
	return sha256.Sum256([]byte(fmt.Sprintf("%x %s %d", sum, strings.Join(fs, " "), unix)))
}

// archiveRefs is what the archive holds, by folder: by bytes, and by
// bytes, flags and date.
func archiveRefs(dir string) (counts, counts, error) {
	ctx := context.Background()
	a, err := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
	if err != nil {
		return nil, nil, err
	}
	defer a.Close()
	fs, err := a.Folders(ctx)
	if err != nil {
		return nil, nil, err
	}
	out, full := counts{}, counts{}
	for _, f := range fs {
		out[f.Name], full[f.Name] = map[[32]byte]int{}, map[[32]byte]int{}
		err := a.EachMessage(ctx, f.ID, func(m *archive.MessageInfo) error {
			var sum [32]byte
			b, err := hex.DecodeString(m.SHA256)
			copy(sum[:], b)
			date, derr := time.Parse(time.RFC3339, m.InternalDate)
			out[f.Name][sum]++
			full[f.Name][fullKey(sum, m.Flags, date.Unix())]++
			return errors.Join(err, derr)
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return out, full, nil
}

// readAccount hashes every message of every folder of an account, by
// bytes and by bytes, flags and date; with stripTUID, without the X-TUID
// header line mbsync adds to each message it uploads.
func readAccount(d *testimap.Dovecot, user string, stripTUID bool) (counts, counts, error) {
	c, err := imapconn.Dial(context.Background(), imapconn.Config{Host: d.Host, Port: d.TLSPort, Security: imapconn.TLS,
		CAFile: d.CAFile, User: user, Password: secret.New(benchPass)})
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		return nil, nil, err
	}
	out, full := counts{}, counts{}
	for _, l := range list {
		sel, err := c.Select(l.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil {
			continue // \Noselect
		}
		out[l.Mailbox], full[l.Mailbox] = map[[32]byte]int{}, map[[32]byte]int{}
		if sel.NumMessages == 0 {
			continue
		}
		var all imap.SeqSet
		all.AddRange(1, 0)
		cmd := c.Fetch(all, &imap.FetchOptions{Flags: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			var sum [32]byte
			var flags []string
			var unix int64
			for item := msg.Next(); item != nil; item = msg.Next() {
				switch it := item.(type) {
				case imapclient.FetchItemDataFlags:
					for _, f := range it.Flags {
						flags = append(flags, string(f))
					}
				case imapclient.FetchItemDataInternalDate:
					unix = it.Time.Unix()
				case imapclient.FetchItemDataBodySection:
					raw, err := io.ReadAll(it.Literal)
					if err != nil {
						return nil, nil, err
					}
					if stripTUID {
						raw = withoutTUID(raw)
					}
					sum = sha256.Sum256(raw)
				}
			}
			out[l.Mailbox][sum]++
			full[l.Mailbox][fullKey(sum, flags, unix)]++
		}
		if err := cmd.Close(); err != nil {
			return nil, nil, err
		}
	}
	return out, full, nil
}

// withoutTUID removes mbsync's "X-TUID: " header line.
func withoutTUID(raw []byte) []byte {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		return raw
	}
	i := bytes.Index(raw[:end+2], []byte("\r\nX-TUID: "))
	if i < 0 {
		return raw
	}
	k := bytes.Index(raw[i+2:], []byte("\r\n"))
	return append(append([]byte(nil), raw[:i+2]...), raw[i+2+k+2:]...)
}

// compare counts how many archived messages arrived byte for byte in the
// folder of the same name, how many did not, and how many messages the
// account holds beyond them.
func compare(want, got counts) (total, exact, missing, extra int) {
	for folder, sums := range want {
		for sum, n := range sums {
			total += n
			g := got[folder][sum]
			exact += min(n, g)
			missing += max(n-g, 0)
		}
	}
	for folder, sums := range got {
		for sum, n := range sums {
			extra += max(n-want[folder][sum], 0)
		}
	}
	return total, exact, missing, extra
}

// writeMaildir writes every archived message into a Maildir for mbsync:
// one folder per archive folder (SubFolders Verbatim), LF line ends as a
// Maildir holds them, flags in the file name, the internal date as mtime.
func writeMaildir(archiveDir, dir string) error {
	ctx := context.Background()
	a, err := archive.Open(ctx, archiveDir, archive.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer a.Close()
	fs, err := a.Folders(ctx)
	if err != nil {
		return err
	}
	letters := map[string]string{`\Draft`: "D", `\Flagged`: "F", `\Answered`: "R", `\Seen`: "S", `\Deleted`: "T"}
	for _, f := range fs {
		fd := filepath.Join(dir, filepath.FromSlash(imapconn.EncodeModifiedUTF7(f.Name)))
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(fd, sub), 0o700); err != nil {
				return err
			}
		}
		var infos []*archive.MessageInfo
		if err := a.EachMessage(ctx, f.ID, func(m *archive.MessageInfo) error { infos = append(infos, m); return nil }); err != nil {
			return err
		}
		for _, m := range infos {
			raw, err := io.ReadAll(a.OpenMessage(ctx, m.ID))
			if err != nil {
				return err
			}
			raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
			var fl strings.Builder
			for _, l := range []string{`\Draft`, `\Flagged`, `\Answered`, `\Seen`, `\Deleted`} {
				for _, have := range m.Flags {
					if strings.EqualFold(have, l) {
						fl.WriteString(letters[l])
					}
				}
			}
			path := filepath.Join(fd, "cur", fmt.Sprintf("%d.%d.bench:2,%s", m.ID, m.UID, fl.String()))
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				return err
			}
		}
	}
	return nil
}

// mbsyncConfig pushes the Maildir into the mbsync account: Sync Push,
// Create Far, every folder; all other settings are mbsync's defaults.
func mbsyncConfig(maildir, state string, port int, caFile, user string) string {
	return fmt.Sprintf(`IMAPAccount new
Host localhost
Port %d
User %s
Pass %s
SSLType IMAPS
CertificateFile %s

IMAPStore far
Account new

MaildirStore near
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel push
Far :far:
Near :near:
Patterns *
Sync Push
Create Far
SyncState %s/
`, port, user, benchPass, caFile, maildir, maildir, state)
}
