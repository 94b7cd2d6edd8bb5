package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/migrate"
)

// Output files in DIR/customers/<customer>/.
const (
	ReportHTML  = "report.html"
	ReportJSON  = "report.json"
	ContactsDir = "contacts"
)

// gateClosed: the report's gate verdict is closed; the reasons are on the
// board.
type gateClosed struct{ reasons []string }

func (g gateClosed) Error() string {
	return "the removal gate is closed: " + strings.Join(g.reasons, "; ")
}

// conn builds the connection to one side of the account with the
// worker's secret.
func (w *worker) conn(a Account, s Server, secretName string) (imapconn.Config, error) {
	sec, err := imapconn.ParseSecurity(s.Security)
	if err != nil {
		return imapconn.Config{}, needsPerson{err}
	}
	pw, ok := w.opts.Secrets.Get(secretName)
	if !ok {
		return imapconn.Config{}, needsPerson{mailerr.New(mailerr.BadInput, "find secret", secretName,
			fmt.Errorf("the secrets file of worker %s has no line %s=… for customer %s", w.opts.ID, secretName, a.Customer))}
	}
	return imapconn.Config{Host: s.Host, Port: s.Port, Security: sec, CAFile: s.CAFile, User: s.User, Password: pw}, nil
}

// classify marks the errors that no retry can mend.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var np needsPerson
	if errors.As(err, &np) || errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, migrate.ErrCopyQuota) {
		return needsPerson{err}
	}
	switch mailerr.KindOf(err) {
	case mailerr.AuthFailed, mailerr.HostNotFound, mailerr.CertUntrusted, mailerr.CertMismatch, mailerr.CertExpired,
		mailerr.NotTLS, mailerr.NotIMAP, mailerr.InsecureRefused, mailerr.NoStartTLS, mailerr.DiskFull,
		mailerr.Permission, mailerr.ReadOnlyFS, mailerr.BadInput, mailerr.ArchiveBroken:
		return needsPerson{err}
	}
	return err
}

// step runs one step of the account through the engine's public API, on
// the archive in archiveDir; reports and contacts go to the customer's
// folder in the desk folder.
func (w *worker) step(ctx context.Context, holder string, a Account, args StepArgs, archiveDir string) error {
	d := w.d
	dir := d.CustomerDir(a.Customer)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return needsPerson{mailerr.New(mailerr.Permission, "create folder", dir, err)}
	}
	old, err := w.conn(a, a.Old, a.Secret)
	if err != nil {
		return err
	}
	// One of the server's connection slots, for the step's connection.
	host := a.Old.Host
	if args.Step == StepMigrate || args.Step == StepCheck {
		host = a.New.Host
	}
	if args.Step != StepContacts {
		if err := w.waitHost(ctx, host, holder); err != nil {
			return err
		}
	}
	sink, stop := w.trackProgress(ctx, a.Customer)
	defer stop()
	tab, err := d.limits()
	if err != nil {
		return needsPerson{err}
	}
	switch args.Step {
	case StepSurvey:
		res, err := backup.Survey(ctx, backup.Options{Conn: old, ArchiveDir: archiveDir})
		if err != nil {
			return classify(err)
		}
		_ = d.update(ctx, a.Customer, map[string]any{"total_msgs": res.ToFetch, "total_bytes": res.ToFetchBytes,
			"eta_seconds": int64(res.ETA.Seconds()), "rate": res.Rate})
		if !res.EnoughSpace() {
			return needsPerson{mailerr.New(mailerr.DiskFull, "survey", archiveDir,
				fmt.Errorf("the backup needs about %s but the disk has %s free", progress.Bytes(res.SpaceNeeded()), progress.Bytes(res.FreeBytes)))}
		}
		return nil
	case StepBackup:
		sum, err := backup.Run(ctx, backup.Options{Conn: old, ArchiveDir: archiveDir, Progress: sink, Limits: tab, Ledger: d})
		if err != nil {
			return classify(err)
		}
		_ = d.update(ctx, a.Customer, map[string]any{"messages": sum.Total})
		if !sum.OK() {
			return fmt.Errorf("%d message(s) could not be saved and %d folder(s) could not be read; trying again",
				len(sum.Failures), len(sum.FolderErrors))
		}
		return nil
	case StepVerify:
		res, err := gate.Verify(ctx, gate.VerifyOptions{Conn: old, ArchiveDir: archiveDir, Progress: sink})
		if err != nil {
			return classify(err)
		}
		if !res.OK() {
			return fmt.Errorf("the verification found %d problem(s), first: %s", len(res.Problems), res.Problems[0].Detail)
		}
		return nil
	case StepContacts:
		return classify(exportContacts(ctx, archiveDir, filepath.Join(dir, ContactsDir)))
	case StepMigrate, StepCheck:
		newConn, err := w.conn(a, a.New, cmpOr(a.NewSecret, a.Secret))
		if err != nil {
			return err
		}
		opts := migrate.CopyOptions{ArchiveDir: archiveDir, Conn: newConn, Connections: 1, Progress: sink, Limits: tab, Ledger: d}
		if args.Step == StepMigrate {
			sum, err := migrate.Copy(ctx, opts)
			if err != nil {
				return classify(err)
			}
			if len(sum.Refused) > 0 {
				return needsPerson{fmt.Errorf("the new server refused %d message(s), first: %s", len(sum.Refused), sum.Refused[0].Reason)}
			}
			return nil
		}
		res, err := migrate.CheckDestination(ctx, opts)
		if err != nil {
			return classify(err)
		}
		if !res.OK() {
			return fmt.Errorf("%d archived message(s) are not in the new account yet", res.MissingCount)
		}
		return nil
	case StepReport:
		return w.report(ctx, a, old, archiveDir, dir)
	}
	return needsPerson{fmt.Errorf("unknown step %q", args.Step)}
}

func dleaseTTL(d *Desk) time.Duration { return time.Duration(d.Config.LeaseSeconds) * time.Second }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// exportContacts writes the address book in every format into out and
// records each export in the archive (the gate asks for it).
func exportContacts(ctx context.Context, archiveDir, out string) error {
	if err := os.MkdirAll(out, 0o700); err != nil {
		return mailerr.New(mailerr.Permission, "create folder", out, err)
	}
	a, err := archive.Open(ctx, archiveDir, archive.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	book, err := addressbook.FromArchive(ctx, a, addressbook.Options{})
	if err != nil {
		return err
	}
	for _, f := range addressbook.Formats() {
		p := filepath.Join(out, "mailark-contacts-"+string(f)+f.Extension())
		if _, err := addressbook.ExportToArchive(ctx, a, p, f, book, addressbook.ExportOptions{Encoding: addressbook.UTF8BOM}); err != nil {
			return err
		}
	}
	return nil
}

// Reason is one reason of a closed gate, in both languages.
type Reason struct {
	EN string `json:"en"`
	JA string `json:"ja"`
}

// report writes the customer's removal report (HTML and JSON) with the
// gate checked live, and ends the round: done when the gate is open, else
// the account needs a person, with the gate's reasons.
func (w *worker) report(ctx context.Context, a Account, old imapconn.Config, archiveDir, dir string) error {
	r, err := gate.BuildReport(ctx, gate.ReportOptions{ArchiveDir: archiveDir, Conn: old})
	if err != nil {
		return classify(err)
	}
	if err := r.SaveHTML(ctx, filepath.Join(dir, ReportHTML), gate.ParseLang(w.opts.Lang)); err != nil {
		return classify(err)
	}
	if err := r.SaveJSON(ctx, filepath.Join(dir, ReportJSON)); err != nil {
		return classify(err)
	}
	var reasons []Reason
	var en []string
	for _, c := range r.Verdict.Conditions {
		if !c.OK {
			reasons = append(reasons, Reason{EN: c.Text(gate.English), JA: c.Text(gate.Japanese)})
			en = append(en, c.Text(gate.English))
		}
	}
	b, _ := json.Marshal(reasons)
	verdict := "closed"
	if r.Verdict.Open {
		verdict = "open"
	}
	cols := map[string]any{"gate": verdict, "gate_reasons": string(b), "worker": "", "finished_at": nowMillis()}
	if r.Verdict.Open {
		cols["state"], cols["error_kind"], cols["error_text"] = StateDone, "", ""
		return w.d.update(ctx, a.Customer, cols)
	}
	if err := w.d.update(ctx, a.Customer, cols); err != nil {
		return err
	}
	return needsPerson{gateClosed{reasons: en}}
}

// waitHost takes one of host's connection slots, waiting up to a few
// seconds for one to be free; then the step gives its place in the queue
// to others (errBusy) and comes back later.
func (w *worker) waitHost(ctx context.Context, host, holder string) error {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for range 20 {
		got, err := w.d.claimHost(ctx, host, holder, dleaseTTL(w.d))
		if err != nil || got {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return errBusy
}
