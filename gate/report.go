package gate

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/folders"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/pop3"
	"github.com/mailark/mailark/internal/progress"
)

// Report is what a support agent hands to the customer (HTML) and keeps
// for support tools (JSON): the same data in both. Field names of the JSON
// are stable.
type Report struct {
	GeneratedAt      string              `json:"generated_at"`
	Account          Account             `json:"account"`
	ArchiveDir       string              `json:"archive_dir"`
	SafeToRemove     bool                `json:"safe_to_remove"`
	Verdict          Verdict             `json:"verdict"`
	LastBackup       *ReportRun          `json:"last_backup"`
	LastVerification *ReportVerification `json:"last_verification"`
	Folders          []ReportFolder      `json:"folders"`
	Totals           ReportTotals        `json:"totals"`
	VouchesFor       ReportDigest        `json:"vouches_for"`
	Files            []ReportFile        `json:"files"` // each file's hash as of GeneratedAt (archive.sqlite changes with any later export)
	Contacts         *ReportContacts     `json:"contacts"`
	Problems         []Discrepancy       `json:"problems"`       // the first maxReportProblems blocking ones
	ProblemsTotal    int64               `json:"problems_total"` // all blocking ones of the last verification
	RemovedAt        string              `json:"removed_at,omitempty"`
}

// ReportRun is the last backup run.
type ReportRun struct {
	StartedAt  string `json:"started_at"`
	FinishedAt string `json:"finished_at"`
	Status     string `json:"status"`
	Messages   int64  `json:"messages"`
}

// ReportVerification is the last verification.
type ReportVerification struct {
	ID       int64  `json:"id"`
	At       string `json:"at"`
	Deep     bool   `json:"deep"`
	Verified int64  `json:"verified"`
	Problems int64  `json:"problems"`
	Notes    int64  `json:"notes"`
}

// ReportFolder is one row of the folder table: an archive folder generation
// or a server folder, joined by the last verification.
type ReportFolder struct {
	Name        string `json:"name"`
	Role        string `json:"role"`
	Current     bool   `json:"current"` // false: an older generation kept after a UIDVALIDITY change
	UIDValidity uint32 `json:"uidvalidity"`
	OnServer    bool   `json:"on_server"`
	// Checked: the last verification compared this folder with the
	// server. When false, OnServer says nothing (the server was not asked).
	Checked        bool    `json:"checked"`
	InArchive      bool    `json:"in_archive"`
	ServerMessages *uint32 `json:"server_messages"` // null when not verified
	Archived       int64   `json:"archived"`
	ArchivedBytes  int64   `json:"archived_bytes"`
	Verified       int64   `json:"verified"`
	MboxPath       string  `json:"mbox_path,omitempty"`
}

// ReportTotals sums the folder table.
type ReportTotals struct {
	ServerMessages int64 `json:"server_messages"`
	Archived       int64 `json:"archived"`
	ArchivedBytes  int64 `json:"archived_bytes"`
	Verified       int64 `json:"verified"`
}

// ReportDigest is what the report vouches for: the archived messages, by a
// fingerprint (archive.ContentDigest) that a later address-book export or
// verification does not change, as of At.
type ReportDigest struct {
	Messages int64  `json:"messages"`
	Folders  int    `json:"folders"`
	SHA256   string `json:"sha256"`
	At       string `json:"at"`
}

// ReportFile is one file of the archive with its hash.
type ReportFile struct {
	Path    string `json:"path"` // relative to the archive folder, '/' separated
	Bytes   int64  `json:"bytes"`
	SHA256  string `json:"sha256"`
	Missing bool   `json:"missing,omitempty"`
}

// ReportContacts is the last address-book export.
type ReportContacts struct {
	At       string `json:"at"`
	Format   string `json:"format"`
	Path     string `json:"path"`
	Contacts int    `json:"contacts"`
	SHA256   string `json:"sha256"`
}

const maxReportProblems = 100

// ReportOptions for BuildReport. ArchiveDir is required. With Conn.Host set
// the gate is checked live; without, from what the archive recorded.
type ReportOptions struct {
	ArchiveDir string
	Conn       imapconn.Config
	// POP3, when set, is the account's POP3 mailbox: the gate is checked
	// live over POP3 instead of Conn.
	POP3   *pop3.Config
	Now    func() time.Time
	Stores StoreSearch // where to look for the account's mail-app stores
}

// BuildReport gathers the report from the archive (and the server when
// Conn.Host is set). It folds SQLite's log into archive.sqlite before
// hashing it, under the archive's lock, so the hash is of the whole
// database as it stands.
func BuildReport(ctx context.Context, opts ReportOptions) (*Report, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a, err := openArchive(ctx, "report", opts.ArchiveDir, opts.Now)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	dir := opts.ArchiveDir
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs // the report is read elsewhere: "archive" alone says nothing there
	}
	r := &Report{GeneratedAt: stamp(opts.Now()), ArchiveDir: dir}
	if r.Account, err = accountOf(ctx, a); err != nil {
		return nil, err
	}
	if opts.POP3 != nil {
		cfg := *opts.POP3
		f, err := popFolderOf(ctx, a, cfg)
		if err != nil {
			return nil, err
		}
		r.Verdict, err = evaluate(ctx, a, opts.Now, func() ([]folderStatus, error) { return popSession(ctx, cfg, f.Name) }, opts.Stores)
		if err == nil {
			err = saveVerdict(ctx, a, r.Verdict)
		}
		if err != nil {
			return nil, err
		}
	} else if opts.Conn.Host != "" {
		if err := checkAccount(a, r.Account, opts.Conn); err != nil {
			return nil, err
		}
		c, err := imapconn.Dial(ctx, opts.Conn)
		if err != nil {
			return nil, err
		}
		r.Verdict, err = evaluate(ctx, a, opts.Now, func() ([]folderStatus, error) { return liveStatus(ctx, c, opts.Conn.Host) }, opts.Stores)
		c.Close()
		if err == nil {
			err = saveVerdict(ctx, a, r.Verdict)
		}
		if err != nil {
			return nil, err
		}
	} else if r.Verdict, err = evaluate(ctx, a, opts.Now, nil, opts.Stores); err != nil {
		return nil, err
	}
	// Safe only when the server was asked now: an offline verdict cannot
	// know what arrived or changed there since.
	r.SafeToRemove = r.Verdict.Open && r.Verdict.Live
	if err := r.gather(ctx, a); err != nil {
		return nil, err
	}
	if r.VouchesFor.SHA256, r.VouchesFor.Messages, err = a.ContentDigest(ctx); err != nil {
		return nil, err
	}
	r.VouchesFor.At = r.GeneratedAt
	for _, f := range r.Folders {
		if f.InArchive {
			r.VouchesFor.Folders++
		}
	}
	if err := a.Checkpoint(ctx); err != nil {
		return nil, err
	}
	paths := []string{archive.DBFile}
	for _, f := range r.Folders {
		if f.InArchive {
			paths = append(paths, f.MboxPath)
		}
	}
	for _, p := range paths {
		rf, err := hashFile(ctx, a.Path(p))
		if err != nil {
			return nil, err
		}
		rf.Path = p
		r.Files = append(r.Files, rf)
	}
	return r, nil
}

func (r *Report) gather(ctx context.Context, a *archive.Archive) error {
	if run, err := a.LastRun(ctx, archive.BackupRunKinds...); err != nil {
		return err
	} else if run != nil {
		r.LastBackup = &ReportRun{StartedAt: run.StartedAt, FinishedAt: run.FinishedAt, Status: run.Status, Messages: run.Messages}
	}
	last, err := a.LastVerification(ctx)
	if err != nil {
		return err
	}
	var vfs []archive.VerificationFolder
	if last != nil {
		r.LastVerification = &ReportVerification{ID: last.ID, At: last.FinishedAt, Deep: last.Deep, Verified: last.Verified,
			Problems: last.Problems, Notes: last.Notes}
		r.ProblemsTotal = last.Problems
		if vfs, err = a.VerificationFolders(ctx, last.ID); err != nil {
			return err
		}
		ds, err := a.Discrepancies(ctx, last.ID, maxReportProblems)
		if err != nil {
			return err
		}
		for _, d := range ds {
			if d.Blocking {
				r.Problems = append(r.Problems, fromArchive(d))
			}
		}
	}
	byGen := map[int64]archive.VerificationFolder{}
	for _, vf := range vfs {
		if vf.FolderID != 0 {
			byGen[vf.FolderID] = vf
		}
	}
	stats, err := a.Stats(ctx)
	if err != nil {
		return err
	}
	for _, s := range stats {
		f := s.Folder
		row := ReportFolder{Name: f.Name, Role: f.Role, Current: f.Current, UIDValidity: f.UIDValidity, InArchive: true,
			Archived: s.Messages, ArchivedBytes: s.Bytes, MboxPath: f.MboxPath}
		vf, ok := byGen[f.ID]
		row.Checked = ok
		if ok && vf.OnServer {
			n := vf.ServerMessages
			row.OnServer, row.ServerMessages, row.Verified = true, &n, vf.Verified
			row.UIDValidity = vf.ServerUIDValidity
		}
		r.Folders = append(r.Folders, row)
	}
	for _, vf := range vfs {
		if vf.OnServer && vf.FolderID == 0 {
			n := vf.ServerMessages
			r.Folders = append(r.Folders, ReportFolder{Name: vf.Name, Current: true, UIDValidity: vf.ServerUIDValidity,
				OnServer: true, Checked: true, ServerMessages: &n})
		}
	}
	// The current folders in the usual order (INBOX, Sent, …), then older
	// generations.
	sort.SliceStable(r.Folders, func(i, j int) bool {
		a, b := r.Folders[i], r.Folders[j]
		if a.Current != b.Current {
			return a.Current
		}
		return folders.Less(a.Role, a.Name, b.Role, b.Name)
	})
	for _, f := range r.Folders {
		if f.ServerMessages != nil {
			r.Totals.ServerMessages += int64(*f.ServerMessages)
		}
		r.Totals.Archived += f.Archived
		r.Totals.ArchivedBytes += f.ArchivedBytes
		r.Totals.Verified += f.Verified
	}
	exp, ok, err := addressbook.LastExport(ctx, a)
	if err != nil {
		return dbError(err)
	}
	if ok {
		r.Contacts = &ReportContacts{At: stamp(exp.At), Format: string(exp.Format), Path: exp.Path, Contacts: exp.Contacts, SHA256: exp.SHA256}
	}
	r.RemovedAt, err = a.Meta(ctx, "account_removed_at")
	return err
}

func hashFile(ctx context.Context, path string) (ReportFile, error) {
	var rf ReportFile
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		rf.Missing = true
		return rf, nil
	}
	if err != nil {
		return rf, mailerr.New(mailerr.ArchiveBroken, "hash file", path, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, ctxReader{ctx, f})
	if err != nil {
		if ctx.Err() != nil {
			return rf, ctx.Err()
		}
		return rf, mailerr.New(mailerr.ArchiveBroken, "hash file", path, err)
	}
	rf.Bytes, rf.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return rf, nil
}

// ctxReader stops a long read when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

//go:embed templates/report.html.tmpl
var templateFS embed.FS

var reportTemplate = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"label": func(l Lang, key string) string { return l.Label(key) },
	"labelf": func(l Lang, key string, kv ...string) string {
		data := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			data[kv[i]] = kv[i+1]
		}
		return fill(l.Label(key), data, l)
	},
	"cond":    func(l Lang, c Condition) string { return c.Text(l) },
	"problem": func(l Lang, d Discrepancy) string { return d.Text(l) },
	"time":    func(l Lang, s string) string { return FormatTime(s, l) },
	"timeOf":  func(l Lang, t time.Time) string { return FormatTime(stamp(t), l) },
	"bytes":   progress.Bytes,
	"num":     func(n int64) string { return groupDigits(n) },
	"count":   func(n *uint32) string { return groupDigits(int64(*n)) },
	"str":     func(n any) string { return fmt.Sprint(n) },
	"role": func(l Lang, role, name string) string {
		if role == "" || strings.EqualFold(l.Label("role."+role), name) {
			return ""
		}
		return l.Label("role." + role)
	},
	"more":         func(total int64, shown int) int64 { return total - int64(shown) },
	"onlyHere":     func(l Lang, v Verdict) string { return v.OnlyHere(l) },
	"storeAccount": func(st StoreState) string { return storeAccount(st) },
	"first":        func(ds []Discrepancy) []Discrepancy { return ds[:min(len(ds), 5)] },
	"detailCount": func(c Condition) int64 {
		if n, err := strconv.ParseInt(c.Data["count"], 10, 64); err == nil && n > int64(len(c.Details)) {
			return n
		}
		return int64(len(c.Details))
	},
}).ParseFS(templateFS, "templates/report.html.tmpl"))

// WriteHTML writes the report as one printable HTML page in lang. One
// language per page: the customer reads one, and the JSON is for the rest.
// storeAccount shows a store's account: "taro@example.net (pop.example.net, POP)".
func storeAccount(st StoreState) string {
	return mailstore.Account{Address: st.Address, Server: st.Server, Protocol: st.Protocol}.Line()
}

// WriteText writes the report's verdict, its plain sentence about a mail
// app holding the only copy, the conditions and the stores, as text in
// lang (for a terminal or an email to the customer).
func (r *Report) WriteText(w io.Writer, lang Lang) error {
	if lang != Japanese {
		lang = English
	}
	var b strings.Builder
	b.WriteString(lang.Label("title") + "\n\n")
	if r.SafeToRemove {
		b.WriteString("✔ " + lang.Label("safe") + "\n")
	} else {
		b.WriteString("✘ " + lang.Label("notsafe") + "\n")
	}
	if s := r.Verdict.OnlyHere(lang); s != "" {
		b.WriteString(s + "\n")
	}
	fmt.Fprintf(&b, "%s: %s (%s)\n\n%s\n", lang.Label("account"), r.Account.User, r.Account.Host, lang.Label("conditions"))
	for _, c := range r.Verdict.Conditions {
		mark := "✔"
		if !c.OK {
			mark = "✘"
		}
		fmt.Fprintf(&b, "%s %s: %s\n", mark, lang.Label("cond."+c.ID), c.Text(lang))
		for _, d := range c.Details[:min(len(c.Details), 5)] {
			fmt.Fprintf(&b, "    - %s\n", d.Text(lang))
		}
	}
	b.WriteString("\n" + lang.Label("stores") + "\n")
	if len(r.Verdict.Stores) == 0 {
		b.WriteString(lang.Label("store.none") + "\n")
	}
	for _, st := range r.Verdict.Stores {
		fmt.Fprintf(&b, "  %s — %s\n    %s\n", st.App, storeAccount(st), st.Path)
		if st.NotRead != "" {
			fmt.Fprintf(&b, "    %s: %s\n", lang.Label("store.notread"), st.NotRead)
			continue
		}
		fmt.Fprintf(&b, "    %s %s, %s %s, %s %s\n", lang.Label("store.messages"), groupDigits(st.Messages),
			lang.Label("store.missing"), groupDigits(st.Missing), lang.Label("store.years"), st.Years())
		if st.Partial > 0 {
			fmt.Fprintf(&b, "    %s\n", fill(lang.Label("store.partial"), map[string]string{"count": groupDigits(st.Partial)}, lang))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) WriteHTML(w io.Writer, lang Lang) error {
	if lang != Japanese {
		lang = English
	}
	return reportTemplate.Execute(w, struct {
		*Report
		L Lang
	}{r, lang})
}

func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
