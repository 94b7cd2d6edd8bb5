package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/folders"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
)

// The destination server: its folders, delimiter and namespace, creating a
// folder, the UIDs a folder holds, and what a refusal means.

// destPlan lists the new account's folders over c and maps the archive's
// folders (stats) onto them as opts says (Map, OldGenerations).
func destPlan(ctx context.Context, c *imapconn.Conn, stats []archive.FolderStats, opts *CopyOptions) ([]MappingEntry, error) {
	d, err := listDest(ctx, c)
	if err != nil {
		return nil, err
	}
	return planMapping(stats, d, opts.Map, opts.OldGenerations)
}

// listDest reads the destination's hierarchy delimiter (LIST "" ""), its
// personal namespace prefix, and its folders with their roles and, where
// the server has LIST-STATUS, their UIDVALIDITY.
func listDest(ctx context.Context, c *imapconn.Conn) (destInfo, error) {
	var d destInfo
	root, err := c.List("", "", nil).Collect()
	if err != nil {
		return d, imapconn.Classify(ctx, "list folders", c.Host, err)
	}
	for _, l := range root {
		if l != nil && l.Delim != 0 {
			d.delim = string(l.Delim)
		}
	}
	if c.Caps.IMAP4rev2 || c.Client.Caps().Has(imap.CapNamespace) {
		if ns, err := c.Namespace().Wait(); err == nil && len(ns.Personal) > 0 {
			d.prefix = ns.Personal[0].Prefix
		}
	}
	d.folders, err = folders.List(c, folders.Options{Status: true})
	if err != nil {
		return d, imapconn.Classify(ctx, "list folders", c.Host, err)
	}
	return d, nil
}

// ensureDest creates the folder when it is missing (and subscribes to it,
// as mail apps show only subscribed folders) and returns its UIDVALIDITY.
func ensureDest(ctx context.Context, c *imapconn.Conn, d destInfo, name string) (uint32, error) {
	exists := strings.EqualFold(name, "INBOX")
	for _, f := range d.folders {
		if f.Name == name {
			if f.Status != nil && f.Status.UIDValidity != 0 {
				return f.Status.UIDValidity, nil
			}
			exists = true
		}
	}
	var createErr error
	if !exists {
		// A folder two archive folders map to was created by the first.
		if createErr = c.Create(name, nil).Wait(); createErr == nil {
			_ = c.Subscribe(name).Wait()
		}
	}
	st, err := c.Status(name, &imap.StatusOptions{UIDValidity: true}).Wait()
	if err != nil {
		if createErr != nil {
			err = createErr
		}
		return 0, classifyDest(ctx, c, "create folder "+name, err)
	}
	return st.UIDValidity, nil
}

// destFolderUIDs selects the folder read-only and returns its UIDs,
// ascending, and its UIDVALIDITY.
func destFolderUIDs(ctx context.Context, c *imapconn.Conn, name string) ([]uint32, uint32, error) {
	sel, err := c.Select(name, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, 0, classifyDest(ctx, c, "select "+name, err)
	}
	if sel.NumMessages == 0 {
		return nil, sel.UIDValidity, nil
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		return nil, 0, classifyDest(ctx, c, "search "+name, err)
	}
	var out []uint32
	for _, u := range data.AllUIDs() {
		out = append(out, uint32(u))
	}
	slices.Sort(out)
	return out, sel.UIDValidity, nil
}

// subtractUIDs returns the UIDs of all (ascending) that are not in known
// (ascending).
func subtractUIDs(all, known []uint32) []uint32 {
	var out []uint32
	j := 0
	for _, u := range all {
		for j < len(known) && known[j] < u {
			j++
		}
		if j < len(known) && known[j] == u {
			continue
		}
		out = append(out, u)
	}
	return out
}

// classifyDest makes a server's NO to a folder command a ServerError that
// keeps its words, and a broken connection ConnLost.
func classifyDest(ctx context.Context, c *imapconn.Conn, op string, err error) error {
	return imapconn.Classify(ctx, op, c.Host, err)
}

// serverWords is a refusal as the server put it: "[CODE] text".
func serverWords(err error) string {
	var ie *imap.Error
	if !errors.As(err, &ie) {
		return err.Error()
	}
	if ie.Code != "" {
		return fmt.Sprintf("[%s] %s", ie.Code, ie.Text)
	}
	return ie.Text
}

// refusal reports whether err is the server's answer to one APPEND (NO or
// BAD), rather than a broken connection, and whether it says the account
// is full.
func refusal(err error) (refused, quota bool) {
	var ie *imap.Error
	if !errors.As(err, &ie) {
		return false, false
	}
	t := strings.ToLower(ie.Text)
	quota = ie.Code == imap.ResponseCodeOverQuota || strings.Contains(t, "quota") ||
		strings.Contains(t, "mailbox is full") || strings.Contains(t, "mailbox full")
	return true, quota
}

// quotaUsage asks the server how full the account is, in bytes (0, 0 when
// it cannot tell).
func quotaUsage(c *imapconn.Conn) (used, limit int64) {
	if !c.Caps.Quota && !c.Client.Caps().Has(imap.CapQuota) {
		return 0, 0
	}
	roots, err := c.GetQuotaRoot("INBOX").Wait()
	if err != nil {
		return 0, 0
	}
	for _, q := range roots {
		if r, ok := q.Resources[imap.QuotaResourceStorage]; ok {
			return r.Usage * 1024, r.Limit * 1024 // STORAGE is in units of 1024 octets
		}
	}
	return 0, 0
}

// quotaError is Copy's error when the new account is full.
func quotaError(host, words string) error {
	return mailerr.New(mailerr.ServerError, "copy", host, fmt.Errorf("%w: %s", ErrCopyQuota, words))
}
