package cli

import (
	"errors"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/migrate"
)

// The engine's errors say what is wrong; the next step, in the command
// line's terms (a command, a flag), is added here. The window says the same
// in its own terms (a button). A test checks that every flag named here
// exists in the command's flag set.
var nextSteps = []struct {
	err  error
	text string
}{
	{gate.ErrNoBackup, "Run mailark backup first."},
	{archive.ErrMboxChanged, "Run mailark repair --archive DIR, then mailark verify."},
	{archive.ErrArchiveIsLink, "Give the real folder with --archive."},
	{archive.ErrNoArchive, "Give the folder that mailark backup made with --archive."},
	{archive.ErrNothingSaved, "Run mailark backup again with the same --archive: it makes the archive afresh."},
	{addressbook.ErrUnencodable, "Export with --encoding utf-8-bom (Excel and Outlook read it), or add --replace-unencodable to replace such characters in names (never in addresses)."},
	{archive.ErrOtherAccount, "Give another --archive folder for another account. If it is the same account reached by another " +
		"name (127.0.0.1 and localhost, a host alias), run mailark backup with the new names and --same-account-as-before once."},
	{imapconn.ErrStartTLSRefused, "--security tls (port 993) may work."},
	{imapconn.ErrPortSpeaksTLS, "Use --security tls with this port (usually 993); starttls goes with port 143."},
	{imapconn.ErrPortSpeaksHTTP, "Check the host name and --port: IMAP is on 993 (--security tls) or 143 (--security starttls)."},
	{gate.ErrArchiveChanged, "Run mailark verify to see what changed."},
	{migrate.ErrBadMapping, "Write it as --map 'Old=New'."},
	{migrate.ErrNoSuchFolder, "mailark folders --archive DIR lists the archive's folders."},
	{migrate.ErrNoNewAddress, "Give it with --new-address you@new-provider.example."},
	{migrate.ErrNoDraftsPlace, "Give the new account (--to-host, --to-user and the rest) or a folder (--eml-dir)."},
	{migrate.ErrNoOldAddress, "Give the old address with --old-address."},
	{migrate.ErrNoContacts, "Choose people with --to-contact ADDRESS or --contacts-file FILE, or everyone with --all-contacts."},
}

// kindSteps is the next step for an error kind when no particular error
// above matched.
var kindSteps = map[mailerr.Kind]string{
	mailerr.ArchiveBroken: "Run mailark verify to see what is missing or damaged.",
}

// nextStep is what to do about err on the command line, "" when the
// message says it already.
func nextStep(err error) string {
	for _, s := range nextSteps {
		if errors.Is(err, s.err) {
			return s.text
		}
	}
	return kindSteps[mailerr.KindOf(err)]
}

// withNextStep is text (an error's words) with the next step for err added,
// when there is one.
func withNextStep(text string, err error) string {
	if step := nextStep(err); step != "" && err != nil {
		return text + ". " + step
	}
	return text
}
