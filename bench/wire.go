package main

import (
	"bufio"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// The wire limit: one connection over TLS with go-imap v2, and per folder
// one UID FETCH 1:* of what Mailark asks for (UID FLAGS INTERNALDATE
// RFC822.SIZE BODY.PEEK[]). Each literal is streamed into SHA-256 and
// dropped; nothing is stored. The hashes, one line per message
// ("folder TAB uid TAB size TAB sha256"), are the reference for the
// byte-exact checks: they are what the server sends. With -meta only the
// metadata is fetched: the warm-up that makes Dovecot build its indexes.

// runWire is the child mode "wire" of the bench binary.
func runWire(args []string) error {
	fs := flag.NewFlagSet("wire", flag.ContinueOnError)
	addr := fs.String("addr", "", "host:port of the IMAPS server")
	caFile := fs.String("ca", "", "PEM of the server certificate")
	user := fs.String("user", "", "user name")
	passFile := fs.String("passfile", "", "file holding the password")
	out := fs.String("out", "", "where to write the hashes")
	meta := fs.Bool("meta", false, "fetch metadata only (warm-up)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pem, err := os.ReadFile(*caFile)
	if err != nil {
		return err
	}
	pass, err := os.ReadFile(*passFile)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	c, err := imapclient.DialTLS(*addr, &imapclient.Options{TLSConfig: &tls.Config{RootCAs: pool}})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(*user, strings.TrimRight(string(pass), "\n")).Wait(); err != nil {
		return fmt.Errorf("login: %w", err)
	}
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	w := io.Discard
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		bw := bufio.NewWriter(f)
		defer bw.Flush()
		w = bw
	}
	opts := &imap.FetchOptions{UID: true, Flags: true, InternalDate: true, RFC822Size: true}
	if !*meta {
		opts.BodySection = []*imap.FetchItemBodySection{{Peek: true}}
	}
	buf := make([]byte, 256<<10)
	for _, mb := range list {
		if hasAttr(mb.Attrs, imap.MailboxAttrNoSelect) || hasAttr(mb.Attrs, imap.MailboxAttrNonExistent) {
			continue
		}
		sel, err := c.Select(mb.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil {
			return fmt.Errorf("examine %s: %w", mb.Mailbox, err)
		}
		if sel.NumMessages == 0 {
			continue
		}
		if err := fetchFolder(c, mb.Mailbox, opts, buf, w); err != nil {
			return fmt.Errorf("fetch %s: %w", mb.Mailbox, err)
		}
	}
	return c.Logout().Wait()
}

func fetchFolder(c *imapclient.Client, folder string, opts *imap.FetchOptions, buf []byte, w io.Writer) error {
	cmd := c.Fetch(imap.UIDSet{{Start: 1, Stop: 0}}, opts) // 1:*
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		var uid imap.UID
		for {
			item := msg.Next()
			if item == nil {
				break
			}
			switch item := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = item.UID
			case imapclient.FetchItemDataBodySection:
				if item.Literal == nil {
					return fmt.Errorf("NIL body")
				}
				h := sha256.New()
				n, err := io.CopyBuffer(h, item.Literal, buf)
				if err != nil {
					return err
				}
				if uid == 0 {
					return errors.New("UID after the body: cannot name the message")
				}
				fmt.Fprintf(w, "%s\t%d\t%d\t%s\n", folder, uid, n, hex.EncodeToString(h.Sum(nil)))
			}
		}
	}
	return cmd.Close()
}

func hasAttr(attrs []imap.MailboxAttr, a imap.MailboxAttr) bool {
	for _, x := range attrs {
		if strings.EqualFold(string(x), string(a)) {
			return true
		}
	}
	return false
}
