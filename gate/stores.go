package gate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailstore"
)

// Mail-app stores and the gate.
//
// A POP account's mail, and an expiring server's old mail, lives in the
// mail app on this computer, not on the server. The gate therefore looks
// for every store on this computer that belongs to the account being
// removed (by the address, login or server the app's settings name, or
// because it was imported into this archive), reads each one again and
// counts its messages that are not in the archive. It stays closed while
// a store holds mail the archive lacks, while a store cannot be read
// (Outlook's .pst), while an imported store has not been verified since
// its last import, and, for a POP account, until a store of it is
// imported and verified.

// StoreSearch says where the gate looks for mail-app stores.
type StoreSearch struct {
	Home  string   // the home folder to look under; default: the user's
	GOOS  string   // whose default places; default: this computer's
	Paths []string // stores given by the user, looked at as well
	// Stores, when set, are the stores to consider, and nothing is
	// searched (for a caller that has searched already).
	Stores []*mailstore.Store
	// readAll: read every store whole, never the last verification's
	// result (removal).
	readAll bool
}

func (s StoreSearch) find() ([]*mailstore.Store, []error) {
	if s.Stores != nil {
		return s.Stores, nil
	}
	home, goos := mailstore.Place(s.Home, s.GOOS)
	var errs []error
	var out []*mailstore.Store
	if home != "" {
		found, err := mailstore.FindAll(home, goos, "")
		out = append(out, found...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, p := range s.Paths {
		found, err := mailstore.ProbePath(p, "")
		out = append(out, found...)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
		}
	}
	return out, errs
}

// StoreState is what the gate found of one store.
type StoreState struct {
	App      string `json:"app"`
	Kind     string `json:"kind"`
	Path     string `json:"path"`
	Address  string `json:"address,omitempty"`
	Server   string `json:"server,omitempty"`
	Protocol string `json:"protocol,omitempty"`
	Label    string `json:"label,omitempty"` // the archive's source label, once imported
	Bytes    int64  `json:"bytes"`
	Messages int64  `json:"messages"`          // in the store
	Missing  int64  `json:"missing"`           // in the store, not in the archive
	Partial  int64  `json:"partial,omitempty"` // held incomplete by the app (archived as they are)
	Oldest   string `json:"oldest,omitempty"`
	Newest   string `json:"newest,omitempty"`
	NotRead  string `json:"not_read,omitempty"` // Mailark cannot read it (Outlook .pst)
	Error    string `json:"error,omitempty"`    // it could not be read this time
	Imported bool   `json:"imported"`
	Verified bool   `json:"verified"` // the last verification checked it, after its last import
}

// Years is "2004–2026", or one year.
func (s StoreState) Years() string {
	if len(s.Oldest) < 4 || len(s.Newest) < 4 {
		return ""
	}
	if s.Oldest[:4] == s.Newest[:4] {
		return s.Oldest[:4]
	}
	return s.Oldest[:4] + "–" + s.Newest[:4]
}

// storeFolderCheck is one store folder compared with the archive.
type storeFolderCheck struct {
	name     string
	archived *archive.Folder // nil: not in the archive
	messages int64
	matched  int64
	missing  int64
	err      error
}

// compareStore reads every message of s again and looks each one up in
// the archive's folders for src (nil: not imported), as backup.Ingest
// keyed it: the store's own key, else the SHA-256 of the bytes ("#2"…
// for a copy met again in the same folder).
func compareStore(ctx context.Context, a *archive.Archive, src *archive.Source, s *mailstore.Store) (StoreState, []storeFolderCheck, error) {
	st := StoreState{App: s.App, Kind: s.Kind, Path: s.Path, Address: s.Account.Address, Server: s.Account.Server,
		Protocol: s.Account.Protocol, Bytes: s.Bytes, NotRead: s.NotRead, Imported: src != nil}
	if src != nil {
		st.Label = src.Label
	}
	if s.NotRead != "" {
		return st, nil, nil
	}
	f := mailstore.Lookup(s.Kind)
	if f == nil {
		st.Error = "Mailark has no reader for " + s.Kind
		return st, nil, nil
	}
	r, err := f.Open(s)
	if err != nil {
		st.Error = err.Error()
		return st, nil, nil
	}
	defer r.Close()
	folders, err := r.Folders(ctx)
	if err != nil {
		st.Error = err.Error()
		return st, nil, nil
	}
	byName := map[string]*archive.Folder{}
	if src != nil {
		afs, err := a.SourceFolders(ctx, src.ID)
		if err != nil {
			return st, nil, err
		}
		for _, af := range afs {
			byName[af.Name] = af
		}
	}
	var oldest, newest time.Time
	var checks []storeFolderCheck
	for _, fo := range folders {
		fc := storeFolderCheck{name: fo.Name}
		keys := map[string]string{}
		if src != nil {
			fc.archived = byName[archive.SourceFolderName(src, fo.Name)]
		}
		if fc.archived != nil {
			if err := a.EachSourceKey(ctx, fc.archived.ID, func(k *archive.SourceKey) error {
				keys[k.Key] = k.SHA256
				return nil
			}); err != nil {
				return st, nil, err
			}
		}
		seen := map[string]int{}
		ferr := r.Messages(ctx, fo, func(m *mailstore.Message) error {
			fc.messages++
			if m.Partial != "" {
				st.Partial++
			}
			if !m.Date.IsZero() {
				if oldest.IsZero() || m.Date.Before(oldest) {
					oldest = m.Date
				}
				if m.Date.After(newest) {
					newest = m.Date
				}
			}
			rc, err := m.Open()
			if err != nil {
				fc.missing++
				return nil
			}
			h := sha256.New()
			_, err = io.Copy(h, rc)
			rc.Close()
			if errors.Is(err, mailstore.ErrChanged) {
				return err
			}
			if err != nil {
				fc.missing++
				return nil
			}
			sum := hex.EncodeToString(h.Sum(nil))
			key := m.Key
			if key == "" {
				key = "sha256:" + sum
				seen[key]++
				if n := seen[key]; n > 1 {
					key += "#" + strconv.Itoa(n)
				}
			}
			if got, ok := keys[key]; ok && got == sum {
				fc.matched++
			} else {
				fc.missing++
			}
			return nil
		})
		if ferr != nil {
			if ctx.Err() != nil {
				return st, nil, ctx.Err()
			}
			fc.err = ferr
			if st.Error == "" {
				st.Error = fo.Name + ": " + ferr.Error()
			}
		}
		st.Messages += fc.messages
		st.Missing += fc.missing
		checks = append(checks, fc)
	}
	if !oldest.IsZero() {
		st.Oldest, st.Newest = oldest.Format("2006-01-02"), newest.Format("2006-01-02")
	}
	return st, checks, nil
}

func sourceFound(found []*mailstore.Store, src *archive.Source) bool {
	for _, s := range found {
		if s.Kind == src.Kind && s.Path == src.Location {
			return true
		}
	}
	return false
}

// sourceFor is the archive's source for s, nil if it was never imported.
func sourceFor(srcs []*archive.Source, s *mailstore.Store) *archive.Source {
	for _, src := range srcs {
		if src.Kind == s.Kind && src.Location == s.Path {
			return src
		}
	}
	return nil
}

// Condition ID of the stores.
const CondStores = "mail-app-stores"

// expiringGap is how much newer the server's oldest message must be than
// a store's for the server to count as one that keeps only recent mail.
const expiringGap = 90 * 24 * time.Hour

// olderThan reports whether a store's oldest message (2006-01-02) is
// much older than the server's (RFC 3339; "" when the server holds none,
// which any store is older than).
func olderThan(storeOldest, serverOldest string) bool {
	if storeOldest == "" {
		return false
	}
	if serverOldest == "" {
		return true
	}
	so, err := time.Parse(time.RFC3339, serverOldest)
	if err != nil {
		return false
	}
	o, err := time.Parse("2006-01-02", storeOldest)
	return err == nil && so.Sub(o) > expiringGap
}

// condStores evaluates the mail-app stores of the account. It also
// returns what it found of each store, for the report.
func condStores(ctx context.Context, a *archive.Archive, last *archive.Verification, vfs []archive.VerificationFolder,
	search StoreSearch) (Condition, []StoreState, error) {
	c := Condition{ID: CondStores}
	acct, err := accountOf(ctx, a)
	if err != nil {
		return c, nil, err
	}
	srcs, err := a.Sources(ctx)
	if err != nil {
		return c, nil, err
	}
	pop := false
	for _, src := range srcs {
		if src.Protocol == "pop3" && (src.Kind == archive.SourcePOP3 || strings.EqualFold(src.Account, acct.User)) {
			pop = true
		}
	}
	found, errs := search.find()
	// The stores imported into this archive are looked at wherever they
	// are, found by the search or not (a copied disk mounted elsewhere).
	for _, src := range srcs {
		if src.Kind == archive.SourcePOP3 || sourceFound(found, src) {
			continue
		}
		if s, _ := mailstore.At(src.Location, src.Kind); s != nil {
			found = append(found, s)
		}
	}
	verifiedFolders := map[int64]bool{}
	for _, vf := range vfs {
		if vf.FolderID != 0 && !vf.OnServer {
			verifiedFolders[vf.FolderID] = true
		}
	}
	serverOldest, _, err := a.ServerDateRange(ctx)
	if err != nil {
		return c, nil, err
	}
	var states []StoreState
	seen := map[string]bool{}
	for _, s := range found {
		src := sourceFor(srcs, s)
		if seen[s.Kind+"\x00"+s.Path] || (src == nil && !s.BelongsTo(acct.User, acct.Host)) {
			continue
		}
		seen[s.Kind+"\x00"+s.Path] = true
		if s.Account.Protocol == "pop3" {
			pop = true
		}
		var st StoreState
		if saved := verifiedStoreState(ctx, a, src, last, s); saved != nil && !search.readAll {
			st = *saved // as the last verification read it, unchanged since
		} else if st, _, err = compareStore(ctx, a, src, s); err != nil {
			return c, nil, err
		}
		if src != nil && last != nil && src.LastImportAt != "" && src.LastImportAt <= last.FinishedAt {
			st.Verified = true
			afs, err := a.SourceFolders(ctx, src.ID)
			if err != nil {
				return c, nil, err
			}
			for _, af := range afs {
				if !verifiedFolders[af.ID] {
					st.Verified = false
				}
			}
		}
		states = append(states, st)
	}
	var details []Discrepancy
	onlyHere := -1 // the store holding the old mail, for the plain sentence
	imported := false
	for i, st := range states {
		name := st.App + " " + st.Path
		// An IMAP account's store is the app's copy of the server (with
		// the app's own headers added, so its bytes are not the
		// server's): the server's backup covers it, unless the store
		// holds mail older than the server keeps, or it was imported.
		serverCopy := st.Protocol == "imap" && !st.Imported && !olderThan(st.Oldest, serverOldest)
		switch {
		case st.NotRead != "":
			details = append(details, Discrepancy{Kind: StoreNotRead, Folder: st.App, Got: st.Path, Blocking: true,
				Detail: fmt.Sprintf("%s: %s", name, st.NotRead)})
		case st.Error != "":
			details = append(details, Discrepancy{Kind: StoreUnreadable, Folder: st.App, Got: st.Error, Want: st.Path, Blocking: true,
				Detail: fmt.Sprintf("%s could not be read: %s", name, st.Error)})
		case serverCopy:
		case st.Missing > 0:
			details = append(details, Discrepancy{Kind: StoreNotImported, Folder: st.App, Want: strconv.FormatInt(st.Missing, 10),
				Got: st.Path, Blocking: true,
				Detail: fmt.Sprintf("%s holds %d message(s) not in the archive: run mailark import --from %s %s", name, st.Missing, st.Kind, st.Path)})
		case st.Imported && !st.Verified && st.Messages > 0:
			details = append(details, Discrepancy{Kind: StoreNotVerified, Folder: st.App, Got: st.Path, Blocking: true,
				Detail: fmt.Sprintf("%s was imported after the last verification: run mailark verify", name)})
		default:
			if st.Messages > 0 {
				imported = true
			}
		}
		if st.Messages > 0 && !serverCopy && (onlyHere < 0 || st.Oldest < states[onlyHere].Oldest) {
			onlyHere = i
		}
	}
	for _, err := range errs {
		details = append(details, Discrepancy{Kind: StoreUnreadable, Got: err.Error(), Blocking: true,
			Detail: "looking for mail apps: " + err.Error()})
	}
	expiring := onlyHere >= 0 && olderThan(states[onlyHere].Oldest, serverOldest)
	c.Data = map[string]string{"stores": strconv.Itoa(len(states))}
	if onlyHere >= 0 {
		st := states[onlyHere]
		c.Data["app"], c.Data["messages"], c.Data["years"], c.Data["path"] = st.App, strconv.FormatInt(st.Messages, 10), st.Years(), st.Path
		c.Data["missing"] = strconv.FormatInt(st.Missing, 10)
	}
	if pop || expiring {
		c.Data["only_here"] = "true"
	}
	if pop && !imported && len(details) == 0 {
		details = append(details, Discrepancy{Kind: StoreNotImported, Blocking: true,
			Detail: "this account gets its mail by POP, and no mail app's store of it is imported and verified"})
	}
	if len(details) > 0 {
		c.Details = details[:min(len(details), maxDetails)]
		c.Data["count"] = strconv.Itoa(len(details))
		switch d := details[0]; {
		case pop && onlyHere < 0:
			c.Code = "pop-no-store"
			c.Reason = "This account gets its mail by POP: the mail lives in a mail app, and Mailark found no store of it on this computer. " +
				"Run mailark stores (with --home for a copied disk), import the app's store, and verify."
		case d.Kind == StoreNotRead:
			c.Code = "not-read"
			c.Data["app"], c.Data["path"] = d.Folder, d.Got
			c.Reason = "Mailark cannot read " + d.Detail + ". Keep that app's data, or export its mail as .eml or mbox and import that."
		case d.Kind == StoreUnreadable:
			c.Code = "unreadable"
			c.Data["error"] = d.Got
			c.Reason = d.Detail + ". Close the mail app and verify again."
		case d.Kind == StoreNotVerified:
			c.Code = "not-verified"
			c.Reason = d.Detail + "."
		default:
			c.Code = "not-imported"
			c.Reason = d.Detail + "."
		}
		if c.Data["only_here"] == "true" && onlyHere >= 0 {
			c.Reason = onlyHereSentence(states[onlyHere], English) + " " + c.Reason
		}
		return c, states, nil
	}
	c.OK = true
	if len(states) == 0 {
		c.Reason = "No mail app on this computer holds mail of this account."
	} else {
		c.Reason = fmt.Sprintf("Every message of the %d mail-app store(s) of this account on this computer is in the archive, verified.", len(states))
	}
	return c, states, nil
}

// onlyHereSentence is the plain sentence about where the old mail is.
func onlyHereSentence(st StoreState, lang Lang) string {
	return fill(lang.pick(conditionText, "mail-app-stores.only-here"),
		map[string]string{"app": st.App, "messages": groupDigits(st.Messages), "years": st.Years()}, lang)
}

// OnlyHere is the plain sentence of a verdict whose account's old mail is
// only in a mail app on this computer ("Your old mail is only on this
// computer, in Thunderbird: 12,345 messages, 2004–2026."), or, once that
// store is imported and verified, that it is in the archive too; "" when
// the server is the copy.
func (v Verdict) OnlyHere(lang Lang) string {
	c, ok := v.Condition(CondStores)
	if !ok || c.Data["only_here"] != "true" || c.Data["app"] == "" {
		return ""
	}
	n, _ := strconv.ParseInt(c.Data["messages"], 10, 64)
	key := "mail-app-stores.only-here"
	if c.OK {
		key = "mail-app-stores.saved" // imported and verified: no longer only there
	}
	return fill(lang.pick(conditionText, key),
		map[string]string{"app": c.Data["app"], "messages": groupDigits(n), "years": c.Data["years"]}, lang)
}

// Discrepancy kinds about stores.
const (
	StoreNotRead     Kind = "store-not-read"     // Mailark cannot read this app's data (.pst)
	StoreUnreadable  Kind = "store-unreadable"   // the store could not be read now
	StoreNotImported Kind = "store-not-imported" // messages in the store that the archive lacks
	StoreNotVerified Kind = "store-not-verified" // imported after the last verification
	StoreGone        Kind = "store-gone"         // an imported store is no longer on this computer (note)
)
