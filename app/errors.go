package app

import (
	"context"
	"errors"
	"log"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/autoconfig"
	"github.com/mailark/mailark/internal/mailerr"
)

// kindKeys maps an engine error Kind to its translation key. The text says
// what happened, then what to do, in plain words.
var kindKeys = map[mailerr.Kind]string{
	mailerr.AuthFailed:      "err.auth-failed",
	mailerr.HostNotFound:    "err.host-not-found",
	mailerr.ConnRefused:     "err.connection-refused",
	mailerr.Timeout:         "err.timeout",
	mailerr.CertUntrusted:   "err.cert-untrusted",
	mailerr.CertMismatch:    "err.cert-mismatch",
	mailerr.CertExpired:     "err.cert-expired",
	mailerr.NotTLS:          "err.not-tls",
	mailerr.NotIMAP:         "err.not-imap",
	mailerr.NotPOP3:         "err.not-pop3",
	mailerr.InsecureRefused: "err.insecure-refused",
	mailerr.NoStartTLS:      "err.no-starttls",
	mailerr.ConnLost:        "err.connection-lost",
	mailerr.ServerError:     "err.server-error",
	mailerr.MessageFailed:   "err.message-failed",
	mailerr.DiskFull:        "err.disk-full",
	mailerr.ArchiveBroken:   "err.archive-broken",
	mailerr.ArchiveLocked:   "err.archive-locked",
	mailerr.BadInput:        "err.bad-input",
	mailerr.GateClosed:      "err.gate-closed",
	mailerr.ServerChanged:   "err.server-changed",
	mailerr.NotConfirmed:    "err.not-confirmed",
	mailerr.Permission:      "err.permission",
	mailerr.ReadOnlyFS:      "err.read-only-fs",
	mailerr.Unknown:         "err.unknown",
}

// pop3Keys are the texts that differ for a POP3 connection: they name its
// ports.
var pop3Keys = map[string]bool{"err.connection-refused-pop3": true, "err.not-tls-pop3": true, "err.no-starttls-pop3": true}

// errMsg turns an error into the one line a person reads. host is the
// server the person is connecting to: it decides whether a refused
// password means "this provider needs an app password". The full error
// goes to the log only.
func errMsg(err error, host string) msg {
	if err == nil {
		return msg{}
	}
	log.Printf("mailark: %v", err)
	switch {
	case errors.Is(err, context.Canceled):
		return say("err.canceled")
	case errors.Is(err, autoconfig.ErrBadAddress):
		return say("err.bad-address")
	case errors.Is(err, autoconfig.ErrNotFound):
		return say("err.settings-not-found")
	case errors.Is(err, gate.ErrNoBackup):
		// The engine says what is wrong; the window says which button.
		return say("err.no-backup-yet")
	case errors.Is(err, archive.ErrNothingSaved):
		return say("err.nothing-saved-yet")
	}
	e := mailerr.As(err)
	if e == nil {
		return say("err.unknown", "Detail", err.Error())
	}
	subject := e.Subject
	if subject == "" {
		subject = host
	}
	detail := ""
	if e.Err != nil {
		detail = e.Err.Error()
	}
	if e.Kind == mailerr.AuthFailed {
		if p, ok := autoconfig.ProviderForHost(host); ok {
			switch {
			case p.Has(autoconfig.NeedProviderID):
				return say("err.auth-provider-id", "Provider", p.Name)
			case p.Has(autoconfig.NeedAppPassword):
				return say("err.auth-app-password", "Provider", p.Name)
			}
		}
	}
	key, ok := kindKeys[e.Kind]
	if !ok {
		key = "err.unknown"
		detail = err.Error()
	}
	if k := key + "-pop3"; e.Protocol == "pop3" && pop3Keys[k] {
		key = k // POP3's ports, 995 and 110
	}
	return say(key, "Host", subject, "Detail", detail)
}

// kindOf names the engine Kind of err ("auth-failed"), "unknown" when none.
func kindOf(err error) string { return mailerr.KindOf(err).String() }
