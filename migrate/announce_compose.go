package migrate

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/template"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/mailtext"
)

//go:embed templates/announce_en.txt templates/announce_ja.txt
var announceFS embed.FS

// announceData is what a template sees.
type announceData struct {
	Name, OldAddress, NewAddress string
	RecipientName                string // per contact only
}

// announceTemplates returns the templates to render, in order: the user's,
// or the built-in ones for opts.Lang.
func announceTemplates(opts AnnounceOptions) ([]*template.Template, error) {
	parse := func(name, text string) (*template.Template, error) {
		t, err := template.New(name).Option("missingkey=error").Parse(text)
		if err != nil {
			return nil, mailerr.New(mailerr.BadInput, "read template", name, err)
		}
		return t, nil
	}
	if opts.Template != "" {
		t, err := parse("template", opts.Template)
		return []*template.Template{t}, err
	}
	var langs []string
	switch opts.Lang {
	case "en", "ja":
		langs = []string{opts.Lang}
	case "both":
		langs = []string{"ja", "en"}
	default:
		return nil, mailerr.New(mailerr.BadInput, "announce", opts.Lang, fmt.Errorf("unknown language %q: use en, ja or both", opts.Lang))
	}
	var out []*template.Template
	for _, l := range langs {
		b, err := announceFS.ReadFile("templates/announce_" + l + ".txt")
		if err != nil {
			return nil, err // embedded: cannot happen
		}
		t, err := parse("announce_"+l, string(b))
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// announceRender runs the templates and joins them: one subject ("ja / en") and the
// bodies one after the other.
func announceRender(tmpls []*template.Template, data announceData) (subject, body string, err error) {
	var subjects, bodies []string
	for _, t := range tmpls {
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return "", "", mailerr.New(mailerr.BadInput, "fill template", t.Name(), err)
		}
		text := strings.ReplaceAll(b.String(), "\r\n", "\n")
		first, rest, _ := strings.Cut(text, "\n")
		k, v, ok := strings.Cut(first, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "Subject") {
			return "", "", mailerr.New(mailerr.BadInput, "fill template", t.Name(),
				errors.New(`the first line of a template must be "Subject: ..."`))
		}
		subjects = append(subjects, strings.TrimSpace(v))
		bodies = append(bodies, strings.TrimSpace(rest)+"\n")
	}
	return strings.Join(subjects, " / "), strings.Join(bodies, "\n"+strings.Repeat("-", 40)+"\n\n"), nil
}

// whoAmI fills in the user's name and old address.
func (res *AnnounceResult) whoAmI(ctx context.Context, a *archive.Archive, opts AnnounceOptions) error {
	res.OldAddress = strings.TrimSpace(opts.OldAddress)
	if res.OldAddress == "" {
		acct, err := a.Account(ctx)
		if err != nil {
			return err
		}
		user := acct.User
		if !strings.Contains(user, "@") {
			return mailerr.New(mailerr.BadInput, "announce", "", fmt.Errorf("%w: the archive's login %q is not an address", ErrNoOldAddress, user))
		}
		res.OldAddress = user
	}
	res.Name = strings.TrimSpace(opts.Name)
	if res.Name == "" {
		name, err := senderName(ctx, a, []string{res.OldAddress, res.NewAddress})
		if err != nil {
			return err
		}
		res.Name = name
	}
	if res.Name == "" {
		res.Name = res.OldAddress // no sent mail with a name: better than nothing; --name fixes it
	}
	return nil
}

// senderName is the display name used most often in the From of mail in the
// sent folders, from any of the user's addresses (own, plus those the
// address book learned as the user's).
func senderName(ctx context.Context, a *archive.Archive, own []string) (string, error) {
	mine := map[string]bool{}
	for _, e := range own {
		if _, key, ok := mailtext.NormalizeEmail(e); ok {
			mine[key] = true
		}
	}
	count := map[string]int{}
	err := a.EachSentFrom(ctx, func(from string) error {
		addrs, _ := mailtext.ParseAddressList([]byte(from))
		for _, ad := range addrs {
			if _, key, ok := mailtext.NormalizeEmail(ad.Email); ok && mine[key] && strings.TrimSpace(ad.Name) != "" {
				count[strings.TrimSpace(ad.Name)]++
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	best := ""
	for n, c := range count {
		if c > count[best] || (c == count[best] && n < best) {
			best = n
		}
	}
	return best, nil
}

// announceRecipients resolves the chosen people: names from the address
// book, each address once, never the user's own.
func announceRecipients(ctx context.Context, a *archive.Archive, opts AnnounceOptions, res AnnounceResult) ([]AnnounceRecipient, error) {
	book, err := addressbook.FromArchive(ctx, a, addressbook.Options{Self: []string{res.OldAddress, res.NewAddress}, NotSelf: opts.NotSelf})
	if err != nil {
		return nil, err
	}
	skip := map[string]bool{}
	for _, e := range append([]string{res.OldAddress, res.NewAddress}, selfEmails(book)...) {
		if _, key, ok := mailtext.NormalizeEmail(e); ok {
			skip[key] = true
		}
	}
	byKey := map[string]*addressbook.Contact{}
	for _, c := range book.Contacts {
		byKey[c.Key] = c
	}
	var out []AnnounceRecipient
	add := func(email, name string) {
		if _, key, ok := mailtext.NormalizeEmail(email); ok && !skip[key] {
			skip[key] = true
			out = append(out, AnnounceRecipient{Name: name, Email: email})
		}
	}
	for _, e := range opts.Contacts {
		display, key, ok := mailtext.NormalizeEmail(strings.TrimSpace(e))
		if !ok {
			return nil, mailerr.New(mailerr.BadInput, "announce", e, fmt.Errorf("%q is not an email address", e))
		}
		name := ""
		if c := byKey[key]; c != nil {
			name, display = c.Name, c.Email()
		}
		add(display, name)
	}
	if opts.AllContacts {
		for _, c := range book.Select(false) {
			add(c.Email(), c.Name)
		}
	}
	if len(out) == 0 {
		return nil, mailerr.New(mailerr.BadInput, "announce", "", ErrNoContacts)
	}
	return out, nil
}

func selfEmails(b *addressbook.Book) []string {
	var out []string
	for _, s := range b.Self {
		out = append(out, s.Email)
	}
	sort.Strings(out)
	return out
}
