package app

import (
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/zalando/go-keyring"

	"github.com/mailark/mailark/internal/autoconfig"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/settings"
)

func TestTypingEmailFillsServerFromTable(t *testing.T) {
	tests := []struct {
		email, host string
		port        int
		security    imapconn.Security
		hint        string
	}{
		{"hanako@gmail.com", "imap.gmail.com", 993, imapconn.TLS, "hint.app-password"},
		{"yamada@juno.ocn.ne.jp", "imap.ocn.ne.jp", 993, imapconn.TLS, ""},
		{"taro@docomo.ne.jp", "imap.spmode.ne.jp", 993, imapconn.TLS, "hint.provider-id"},
		{"a@proton.me", "127.0.0.1", 1143, imapconn.StartTLS, "hint.bridge"},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			f := newFakes()
			u := newTestUI(t, f)
			test.Type(u.account.email, tt.email)
			if u.acct.Host != tt.host || u.acct.Port != tt.port || u.acct.Security != tt.security {
				t.Errorf("after typing %s: %s:%d %v, want %s:%d %v", tt.email, u.acct.Host, u.acct.Port, u.acct.Security, tt.host, tt.port, tt.security)
			}
			if u.account.host.Text != tt.host {
				t.Errorf("server field = %q, want %q", u.account.host.Text, tt.host)
			}
			if f.discover.calls != 0 {
				t.Errorf("the network was asked for a table domain")
			}
			all := texts(u.win.Canvas())
			if !contains(all, tt.host) {
				t.Errorf("no line names the server %s: %q", tt.host, all)
			}
			if tt.hint != "" {
				p, _ := autoconfig.Lookup(tt.email)
				if want := tr(tt.hint, map[string]any{"Provider": p.Name}); !contains(all, want) {
					t.Errorf("hint %q not shown: %q", want, all)
				}
			}
		})
	}
}

func TestDiscoveryForUnknownDomain(t *testing.T) {
	f := newFakes()
	f.discover.settings, f.discover.err = autoconfig.Settings{Host: "mail.example.net", Port: 993, Source: autoconfig.SourceSRV}, nil
	u := newTestUI(t, f)
	test.Type(u.account.email, "a@example.org")
	if u.acct.Host != "" {
		t.Fatalf("host %q set before the lookup", u.acct.Host)
	}
	u.account.lookup(nil)
	u.waitBackground()
	if u.acct.Host != "mail.example.net" || f.discover.calls != 1 {
		t.Errorf("after lookup host = %q (calls %d), want mail.example.net", u.acct.Host, f.discover.calls)
	}
	if !contains(texts(u.win.Canvas()), tr("account.server.srv", map[string]any{"Host": "mail.example.net"})) {
		t.Error("the screen does not say the settings came from DNS")
	}
}

// Every error Kind the connection test can give maps to its own plain
// sentence, in both languages; a refused password at a provider that needs
// an app password says so.
func TestConnectionErrorsInPlainLanguage(t *testing.T) {
	kinds := []mailerr.Kind{mailerr.AuthFailed, mailerr.HostNotFound, mailerr.ConnRefused, mailerr.Timeout,
		mailerr.CertUntrusted, mailerr.CertMismatch, mailerr.CertExpired, mailerr.NotTLS, mailerr.NotIMAP,
		mailerr.InsecureRefused, mailerr.NoStartTLS, mailerr.ConnLost, mailerr.ServerError}
	for _, code := range []string{"en", "ja"} {
		for _, k := range kinds {
			t.Run(code+"/"+k.String(), func(t *testing.T) {
				f := newFakes()
				f.conn.err = mailerr.New(k, "dial", "imap.old-isp.example", errors.New("server words"))
				u := newTestUI(t, f)
				u.switchLanguage(code)
				typeAccount(t, u, "me@old-isp.example", "pw")
				u.account.host.SetText("imap.old-isp.example")
				test.Tap(u.account.testBtn)
				u.waitBackground()
				want := tr(kindKeys[k], map[string]any{"Host": "imap.old-isp.example", "Detail": "server words"})
				if got := u.account.result.label.Text; got != want {
					t.Errorf("result = %q, want %q", got, want)
				}
				if u.account.result.kind != statusBad {
					t.Error("the result is not marked as a problem")
				}
				if u.step != stepAccount {
					t.Error("left the account screen after a failed test")
				}
			})
		}
		t.Run(code+"/app-password", func(t *testing.T) {
			f := newFakes()
			f.conn.err = mailerr.New(mailerr.AuthFailed, "login", "imap.gmail.com", errors.New("[AUTHENTICATIONFAILED]"))
			u := newTestUI(t, f)
			u.switchLanguage(code)
			typeAccount(t, u, "hanako@gmail.com", "normal-password")
			test.Tap(u.account.nextBtn)
			u.waitBackground()
			want := tr("err.auth-app-password", map[string]any{"Provider": "Gmail"})
			if got := u.account.result.label.Text; got != want {
				t.Errorf("result = %q, want %q", got, want)
			}
		})
	}
}

func TestMissingInputIsNamed(t *testing.T) {
	f := newFakes()
	u := newTestUI(t, f)
	test.Tap(u.account.nextBtn)
	if u.account.result.label.Text != tr("account.need-email") {
		t.Errorf("empty form: %q", u.account.result.label.Text)
	}
	test.Type(u.account.email, "hanako@gmail.com")
	test.Tap(u.account.nextBtn)
	if u.account.result.label.Text != tr("account.need-password") {
		t.Errorf("no password: %q", u.account.result.label.Text)
	}
	if len(f.conn.calls) != 0 {
		t.Error("connected without a password")
	}
}

func TestConnectAndContinueSavesProfileAndPassword(t *testing.T) {
	f := newFakes()
	u := newTestUI(t, f)
	connectRemembering(t, u, "hanako@gmail.com", "app-pw-1234")
	if u.step != stepSurvey {
		t.Fatalf("step = %d, want the survey", u.step)
	}
	if len(f.conn.calls) != 1 || f.conn.calls[0].Host != "imap.gmail.com" || f.conn.calls[0].User != "hanako@gmail.com" ||
		f.conn.calls[0].Password.Reveal() != "app-pw-1234" {
		t.Errorf("connected with %+v", f.conn.calls)
	}
	a, ok := u.store.Account("hanako@gmail.com")
	if !ok || a.Host != "imap.gmail.com" || !a.RememberPassword || a.ArchiveDir == "" {
		t.Errorf("saved profile = %+v, %v", a, ok)
	}
	if pw, err := u.store.Password("hanako@gmail.com"); err != nil || pw.Reveal() != "app-pw-1234" {
		t.Errorf("keyring password = %v, %v", pw, err)
	}
}

func TestNoKeyringKeepsPasswordForSession(t *testing.T) {
	f := newFakes()
	u := newTestUI(t, f)
	keyring.MockInitWithError(errors.New("org.freedesktop.DBus.Error.ServiceUnknown"))
	t.Cleanup(keyring.MockInit)
	connectRemembering(t, u, "hanako@gmail.com", "app-pw")
	if u.step != stepSurvey {
		t.Fatalf("step = %d, want the survey", u.step)
	}
	if !contains(texts(u.win.Canvas()), tr("notice.no-keyring")) {
		t.Error("the window does not say the password is kept for this session only")
	}
	if p, err := u.savedPassword("hanako@gmail.com"); err != nil || p.Reveal() != "app-pw" {
		t.Errorf("session password = %v, %v", p, err)
	}
	if _, err := u.store.Password("hanako@gmail.com"); !errors.Is(err, settings.ErrNoKeyring) {
		t.Errorf("keyring = %v, want unavailable", err)
	}
}

// Typing a host into the advanced fields does not insert a line above
// them: the field being typed in stays under the cursor.
func TestTypingHostKeepsFieldsInPlace(t *testing.T) {
	u := newTestUI(t, newFakes())
	u.account.advanced.Open(0)
	u.render()
	pos := func() fyne.Position {
		return fyne.CurrentApp().Driver().AbsolutePositionForObject(u.account.host)
	}
	before := pos()
	test.Type(u.account.host, "imap.example.jp")
	u.render()
	if after := pos(); after != before {
		t.Errorf("the host field moved from %v to %v while typing", before, after)
	}
	if u.acct.Host != "imap.example.jp" {
		t.Errorf("host = %q", u.acct.Host)
	}
}

// Autodiscovery's protocol advice is shown in words: IMAP chosen over the
// provider's POP3, or what a POP3-only account means; POP3 settings choose
// POP3 in the form. A refused POP3 connection names POP3's ports.
func TestProtocolAdviceInWords(t *testing.T) {
	for _, tt := range []struct {
		st   autoconfig.Settings
		want string
		pop3 bool
	}{
		{autoconfig.Settings{Host: "imap.example.net", Port: 993, Source: autoconfig.SourceAutoconfig, Protocol: autoconfig.ProtocolIMAP,
			Advice: autoconfig.AdviceIMAPPreferred}, autoconfig.AdviceIMAPPreferred.Text("en"), false},
		{autoconfig.Settings{Host: "pop.example.net", Port: 995, Source: autoconfig.SourceAutoconfig, Protocol: autoconfig.ProtocolPOP3,
			Advice: autoconfig.AdvicePOP3Only}, autoconfig.AdvicePOP3Only.Text("en"), true},
	} {
		f := newFakes()
		f.discover.settings, f.discover.err = tt.st, nil
		u := newTestUI(t, f)
		test.Type(u.account.email, "a@example.org")
		u.account.lookup(nil)
		u.waitBackground()
		if all := texts(u.win.Canvas()); !contains(all, tt.want) {
			t.Errorf("%s: %q not shown: %q", tt.st.Host, tt.want, all)
		}
		if u.acct.isPOP3() != tt.pop3 || (u.account.protocol.SelectedIndex() == 1) != tt.pop3 {
			t.Errorf("%s: POP3 chosen %v (select %d), want %v", tt.st.Host, u.acct.isPOP3(), u.account.protocol.SelectedIndex(), tt.pop3)
		}
	}
	refused := errMsg(&mailerr.Error{Kind: mailerr.ConnRefused, Subject: "pop.example.net", Protocol: "pop3"}, "pop.example.net")
	if got := tr(refused.key, refused.data); !strings.Contains(got, "995") || strings.Contains(got, "993") {
		t.Errorf("refused POP3 connection: %q", got)
	}
}
