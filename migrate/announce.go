package migrate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
)

// Telling the contacts: Announce composes a short "my email address has
// changed" message from a template (English, Japanese, both, or the user's
// own) to the people the user picks from the archive's address book, as Bcc
// in drafts of at most 50 recipients addressed to the user's new address,
// or one draft per person. Mailark never sends mail: it saves the drafts in
// the new account's Drafts folder (\Draft) for the user to read and send
// from their mail app, and can write them as .eml files. Each draft's
// Message-ID is derived from its recipients and text, so running again with
// the same choices finds the drafts already there and adds none.

// AnnounceOptions configure Announce. ArchiveDir, NewAddress and some
// recipients are required; the rest have defaults.
type AnnounceOptions struct {
	ArchiveDir string
	// Conn is the new account: the drafts go to its Drafts folder. With no
	// Host, no server is used (write EMLDir instead).
	Conn       imapconn.Config
	NewAddress string
	// OldAddress defaults to the archive's account when that is an address.
	OldAddress string
	// Name defaults to the display name the user put on mail they sent.
	Name string
	// Contacts are recipients by address, with their names from the address
	// book when it has them; AllContacts adds every person in the address
	// book (automated senders left out).
	Contacts    []string
	AllContacts bool
	// NotSelf lists addresses wrongly taken as the user's own (learned
	// from the sent folder), to be told like anyone else.
	NotSelf []string
	// Lang is "en" (default), "ja" or "both" (Japanese first).
	Lang string
	// Template replaces the built-in text: see AnnounceTemplateHelp.
	Template string
	// PerContact writes one draft per person, greeting them by name;
	// otherwise each draft has up to BatchSize recipients as Bcc.
	PerContact bool
	BatchSize  int // default and most 50
	// EMLDir, when set, receives each draft as an .eml file.
	EMLDir string
	Now    func() time.Time
}

// AnnounceTemplateHelp describes a template for AnnounceOptions.Template.
const AnnounceTemplateHelp = `A template is Go text/template text. Its first line is "Subject: ...", then a blank
line, then the body. Fields: {{.Name}} (yours), {{.OldAddress}}, {{.NewAddress}}, and
{{.RecipientName}} (the person's name with --per-contact, else empty: write
{{if .RecipientName}}Dear {{.RecipientName}},{{else}}Hello,{{end}}).`

const maxAnnounceBatch = 50

func (o *AnnounceOptions) applyDefaults() {
	if o.Lang == "" {
		o.Lang = "en"
	}
	if o.BatchSize <= 0 || o.BatchSize > maxAnnounceBatch {
		o.BatchSize = maxAnnounceBatch
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// AnnounceRecipient is one person told.
type AnnounceRecipient struct{ Name, Email string }

// AnnounceDraft is one composed message.
type AnnounceDraft struct {
	Subject   string
	Body      string // the text, as the template made it
	To, Bcc   []AnnounceRecipient
	MessageID string // without <>
	Raw       []byte `json:"-"`
	File      string `json:",omitempty"` // the .eml written
	Saved     bool   // appended to the Drafts folder by this run
	Existed   bool   // already in the Drafts folder (an earlier run)
}

// AnnounceResult is what Announce composed and where it put it.
type AnnounceResult struct {
	Name, OldAddress, NewAddress string
	Recipients                   []AnnounceRecipient
	Drafts                       []AnnounceDraft
	DraftsFolder                 string // on the new account, "" when none was used
}

// ComposeAnnouncements composes the drafts without saving them anywhere.
func ComposeAnnouncements(ctx context.Context, opts AnnounceOptions) (AnnounceResult, error) {
	opts.applyDefaults()
	res := AnnounceResult{NewAddress: strings.TrimSpace(opts.NewAddress)}
	if !strings.Contains(res.NewAddress, "@") {
		return res, mailerr.New(mailerr.BadInput, "announce", "", ErrNoNewAddress)
	}
	tmpls, err := announceTemplates(opts)
	if err != nil {
		return res, err
	}
	a, err := archive.Open(ctx, opts.ArchiveDir, archive.Options{ReadOnly: true})
	if err != nil {
		return res, err
	}
	defer a.Close()
	if err := res.whoAmI(ctx, a, opts); err != nil {
		return res, err
	}
	if res.Recipients, err = announceRecipients(ctx, a, opts, res); err != nil {
		return res, err
	}
	me := AnnounceRecipient{Name: res.Name, Email: res.NewAddress}
	data := announceData{Name: res.Name, OldAddress: res.OldAddress, NewAddress: res.NewAddress}
	now := opts.Now()
	if opts.PerContact {
		for _, r := range res.Recipients {
			data.RecipientName = r.Name
			d, err := composeDraft(tmpls, data, me, []AnnounceRecipient{r}, nil, now)
			if err != nil {
				return res, err
			}
			res.Drafts = append(res.Drafts, d)
		}
		return res, nil
	}
	for start := 0; start < len(res.Recipients); start += opts.BatchSize {
		batch := res.Recipients[start:min(start+opts.BatchSize, len(res.Recipients))]
		d, err := composeDraft(tmpls, data, me, []AnnounceRecipient{me}, batch, now)
		if err != nil {
			return res, err
		}
		res.Drafts = append(res.Drafts, d)
	}
	return res, nil
}

// Announce composes the drafts, writes them to EMLDir when set, and saves
// them in the new account's Drafts folder when Conn has a Host. A draft
// already there (same Message-ID) is not saved again.
func Announce(ctx context.Context, opts AnnounceOptions) (AnnounceResult, error) {
	opts.applyDefaults()
	res, err := ComposeAnnouncements(ctx, opts)
	if err != nil {
		return res, err
	}
	if opts.EMLDir == "" && opts.Conn.Host == "" {
		return res, mailerr.New(mailerr.BadInput, "announce", "", ErrNoDraftsPlace)
	}
	if opts.EMLDir != "" {
		if err := writeEML(opts.EMLDir, res.Drafts, opts.PerContact); err != nil {
			return res, err
		}
	}
	if opts.Conn.Host != "" {
		if err := saveDrafts(ctx, opts.Conn, &res, opts.Now()); err != nil {
			return res, err
		}
	}
	return res, nil
}

// writeEML writes each draft as a file readable by any mail app.
func writeEML(dir string, drafts []AnnounceDraft, perContact bool) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return mailerr.New(mailerr.Permission, "write drafts", dir, err)
	}
	for i := range drafts {
		name := fmt.Sprintf("announce-%02d.eml", i+1)
		if perContact && len(drafts[i].To) > 0 {
			name = fmt.Sprintf("announce-%03d-%s.eml", i+1, safeFileName(drafts[i].To[0].Email))
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, drafts[i].Raw, 0o600); err != nil {
			return mailerr.New(mailerr.Permission, "write drafts", path, err)
		}
		drafts[i].File = path
	}
	return nil
}

func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '@' || r == '.' || r == '-' || r == '_' || r == '+' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, s)
}
