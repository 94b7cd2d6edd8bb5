package app

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/internal/autoconfig"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/settings"
)

// accountForm is one account's email address, password and server
// settings, with the lookup of the server and the connection test. Step 1
// uses it for the old account and step 7 for the new one, so both behave
// the same and save the password the same way (saveAccount).
type accountForm struct {
	u    *ui
	acct *account // the account the form edits
	step int      // the step that shows the form

	// exclude, when it returns an address, leaves that account out of the
	// saved accounts offered (step 7 does not offer the old account).
	exclude func() string
	// changed is called when the person changes the account (not when
	// code fills the form).
	changed func()

	saved    *widget.Select
	email    *widget.Entry
	password *widget.Entry
	remember *widget.Check
	host     *widget.Entry
	port     *widget.Entry
	security *widget.Select
	protocol *widget.Select // IMAP or POP3
	user     *widget.Entry
	caFile   *widget.Entry
	advanced *widget.Accordion

	server *statusLine // where the settings came from
	hints  *fyne.Container
	result *statusLine // the connection test

	testBtn *widget.Button
	// submit runs when Enter is pressed in the password field.
	submit func()

	filling bool // fields are being set by code, not typed
	manual  bool // the person changed the server settings by hand
	running bool
	needs   []autoconfig.Need
	helpURL string
	// advice says, in words, which of the provider's protocols Mailark
	// uses and why (IMAP where the account has it).
	advice    autoconfig.Advice
	discover  context.CancelFunc
	lookupGen int
	timer     *time.Timer
	// discoverDelay is how long typing must pause before a network
	// lookup starts; negative turns the automatic lookup off (tests).
	discoverDelay time.Duration
}

// newAccountForm makes the form for acct, shown on step.
func newAccountForm(u *ui, acct *account, step int) *accountForm {
	s := &accountForm{u: u, acct: acct, step: step, server: newStatusLine(), result: newStatusLine(), hints: container.NewVBox(),
		discoverDelay: 800 * time.Millisecond, exclude: func() string { return "" }, changed: func() {}}
	s.submit = func() { s.test(nil) }
	s.saved = widget.NewSelect(nil, s.onSaved)
	s.email = widget.NewEntry()
	s.email.OnChanged = s.onEmail
	s.email.OnSubmitted = func(string) { s.u.win.Canvas().Focus(s.password) }
	s.password = widget.NewPasswordEntry()
	s.password.OnChanged = func(v string) {
		s.acct.Password = secret.New(v)
		if !s.filling {
			s.changed()
		}
	}
	s.password.OnSubmitted = func(string) { s.submit() }
	s.remember = widget.NewCheck("", func(v bool) { s.acct.Remember = v })
	s.host = widget.NewEntry()
	s.host.OnChanged = s.onServerEdited
	s.port = widget.NewEntry()
	s.port.OnChanged = s.onServerEdited
	s.security = widget.NewSelect(nil, func(string) { s.onServerEdited("") })
	s.protocol = widget.NewSelect(nil, func(string) { s.onProtocol() })
	s.user = widget.NewEntry()
	s.user.OnChanged = func(v string) {
		if !s.filling {
			s.acct.User = strings.TrimSpace(v)
			s.changed()
		}
	}
	s.caFile = widget.NewEntry()
	s.caFile.OnChanged = func(v string) {
		if !s.filling {
			s.acct.CAFile = strings.TrimSpace(v)
			s.changed()
		}
	}
	s.advanced = widget.NewAccordion(widget.NewAccordionItem("", widget.NewLabel("")))
	s.testBtn = widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), func() { s.test(nil) })
	return s
}

// rerender redraws the window when the form's step is shown.
func (s *accountForm) rerender() {
	if s.u.step == s.step && !s.u.closing {
		s.u.render()
	}
}

// body builds the form for the current language.
func (s *accountForm) body() *fyne.Container {
	s.email.SetPlaceHolder(tr("account.email.placeholder"))
	s.password.SetPlaceHolder(tr("account.password.placeholder"))
	s.remember.Text = tr("account.remember")
	s.remember.Refresh()
	s.host.SetPlaceHolder(tr("account.host.placeholder"))
	s.port.SetPlaceHolder("993")
	s.user.SetPlaceHolder(tr("account.user.placeholder"))
	s.caFile.SetPlaceHolder(tr("account.cafile.placeholder"))
	s.filling = true
	sec := s.securityIndex()
	s.security.SetOptions([]string{tr("security.tls"), tr("security.starttls"), tr("security.plain")})
	s.security.SetSelectedIndex(sec)
	s.protocol.SetOptions([]string{tr("protocol.imap"), tr("protocol.pop3")})
	s.protocol.SetSelectedIndex(s.protocolIndex())
	s.filling = false
	s.server.refresh()
	s.result.refresh()
	s.renderHints()

	chooseCA := widget.NewButtonWithIcon(tr("button.choose"), theme.FileIcon(), s.chooseCAFile)
	form := widget.NewForm(
		widget.NewFormItem(tr("account.protocol"), s.protocol),
		widget.NewFormItem(tr("account.host"), s.host),
		widget.NewFormItem(tr("account.port"), s.port),
		widget.NewFormItem(tr("account.security"), s.security),
		widget.NewFormItem(tr("account.user"), s.user),
		widget.NewFormItem(tr("account.cafile"), container.NewBorder(nil, nil, nil, chooseCA, s.caFile)),
	)
	open := len(s.advanced.Items) > 0 && s.advanced.Items[0].Open
	s.advanced.Items = []*widget.AccordionItem{widget.NewAccordionItem(tr("account.advanced"), form)}
	s.advanced.Items[0].Open = open
	s.advanced.Refresh()

	main := widget.NewForm(
		widget.NewFormItem(tr("account.email"), s.email),
		widget.NewFormItem(tr("account.password"), s.password),
		widget.NewFormItem("", s.remember),
	)
	top := container.NewVBox()
	var emails []string
	if s.u.store != nil && s.u.opts.Demo == nil {
		skip := settings.AccountID(s.exclude())
		for _, a := range s.u.store.Accounts() {
			if a.ID != skip {
				emails = append(emails, a.Email)
			}
		}
	}
	if len(emails) > 0 {
		s.filling = true
		s.saved.SetOptions(emails)
		s.saved.PlaceHolder = tr("account.saved.placeholder")
		s.filling = false
		top.Add(widget.NewForm(widget.NewFormItem(tr("account.saved"), s.saved)))
	}
	top.Add(main)
	top.Add(s.server.box)
	top.Add(s.hints)
	top.Add(s.advanced)
	top.Add(s.result.box)
	return top
}

func (s *accountForm) securityIndex() int {
	switch s.acct.Security {
	case imapconn.StartTLS:
		return 1
	case imapconn.Plain:
		return 2
	}
	return 0
}

// onEmail follows the address as it is typed: the built-in table answers
// at once; anything else is looked up once typing pauses.
func (s *accountForm) onEmail(v string) {
	if s.filling {
		return
	}
	s.acct.Email = strings.TrimSpace(v)
	s.result.set(statusNone, msg{})
	s.changed()
	if s.manual {
		return
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	if s.discover != nil {
		s.discover()
		s.discover = nil
	}
	if st, ok := autoconfig.Lookup(v); ok {
		s.apply(st)
		return
	}
	s.clearServer()
	if _, _, ok := splitEmail(v); !ok || s.discoverDelay < 0 {
		return
	}
	s.timer = time.AfterFunc(s.discoverDelay, func() { s.u.do(func() { s.lookup(nil) }) })
}

// lookup asks the network (DNS, autoconfig files) for the settings; then
// runs after it on success.
func (s *accountForm) lookup(then func()) {
	email := s.acct.Email
	_, domain, ok := splitEmail(email)
	if !ok || s.manual {
		return
	}
	if s.discover != nil {
		s.discover()
	}
	ctx, cancel := context.WithTimeout(s.u.root, 30*time.Second)
	s.discover = cancel
	s.lookupGen++
	gen := s.lookupGen
	s.server.set(statusWorking, say("account.server.looking", "Domain", domain))
	s.u.goBackground(func() {
		st, err := s.u.eng.Discover.Discover(ctx, email)
		s.u.do(func() {
			cancel()
			if gen != s.lookupGen || s.acct.Email != email || s.manual {
				if then != nil {
					s.finishRun()
				}
				return // a newer address or hand-typed settings replaced this lookup
			}
			if err != nil {
				s.server.set(statusBad, errMsg(err, ""))
				s.advanced.Open(0)
				if then != nil {
					s.finishRun()
				}
				return
			}
			s.apply(st)
			if then != nil {
				then()
			}
		})
	})
}

// apply fills the server fields from discovered settings.
func (s *accountForm) apply(st autoconfig.Settings) {
	a := s.acct
	a.Host, a.Port, a.Security, a.User = st.Host, st.Port, st.Security, st.User
	a.ServerSource, a.ProviderName = st.Source, st.Name
	s.needs, s.helpURL = st.Needs, st.HelpURL
	s.advice, a.Protocol = st.Advice, st.Protocol
	s.fillServerFields()
	s.server.set(statusOK, s.serverMsg())
	s.renderHints()
}

func (s *accountForm) clearServer() {
	a := s.acct
	a.Host, a.Port, a.Security, a.User, a.ServerSource, a.ProviderName = "", 0, imapconn.TLS, "", "", ""
	s.needs, s.helpURL = nil, ""
	s.advice, a.Protocol = "", ""
	s.fillServerFields()
	s.server.set(statusNone, msg{})
	s.renderHints()
}

func (s *accountForm) serverMsg() msg {
	a := *s.acct
	host := a.Host
	if a.Port != 0 && a.Port != 993 {
		host += ":" + strconv.Itoa(a.Port)
	}
	switch a.ServerSource {
	case autoconfig.SourceTable:
		return say("account.server.table", "Provider", a.ProviderName, "Host", host)
	case autoconfig.SourceSRV:
		return say("account.server.srv", "Host", host)
	case autoconfig.SourceAutoconfig:
		return say("account.server.autoconfig", "Host", host)
	case autoconfig.SourceMX:
		return say("account.server.mx", "Provider", a.ProviderName, "Host", host)
	case autoconfig.SourceGuess:
		return say("account.server.guess", "Host", host)
	case "saved":
		return say("account.server.saved", "Host", host)
	case "demo":
		return say("account.server.demo", "Host", host)
	}
	return say("account.server.manual", "Host", host)
}

func (s *accountForm) fillServerFields() {
	a := *s.acct
	s.filling = true
	defer func() { s.filling = false }()
	s.host.SetText(a.Host)
	if a.Port != 0 {
		s.port.SetText(strconv.Itoa(a.Port))
	} else {
		s.port.SetText("")
	}
	s.security.SetSelectedIndex(s.securityIndex())
	s.protocol.SetSelectedIndex(s.protocolIndex())
	s.user.SetText(a.User)
	s.caFile.SetText(a.CAFile)
}

func (s *accountForm) protocolIndex() int {
	if s.acct.isPOP3() {
		return 1
	}
	return 0
}

// onProtocol: the person chose IMAP or POP3.
func (s *accountForm) onProtocol() {
	if s.filling {
		return
	}
	s.acct.Protocol = autoconfig.ProtocolIMAP
	if s.protocol.SelectedIndex() == 1 {
		s.acct.Protocol = autoconfig.ProtocolPOP3
	}
	s.changed()
	s.renderHints()
	s.rerender()
}

// onServerEdited: the person typed into the advanced fold; stop
// overwriting their settings.
func (s *accountForm) onServerEdited(string) {
	if s.filling {
		return
	}
	a := s.acct
	a.Host = strings.TrimSpace(s.host.Text)
	a.Port, _ = strconv.Atoi(strings.TrimSpace(s.port.Text))
	switch s.security.SelectedIndex() {
	case 1:
		a.Security = imapconn.StartTLS
	case 2:
		a.Security = imapconn.Plain
	default:
		a.Security = imapconn.TLS
	}
	s.manual = a.Host != ""
	a.ServerSource = "manual"
	if s.discover != nil {
		s.discover()
		s.discover = nil
	}
	// The server line sits above these fields: showing or hiding it now
	// would move the field being typed in from under the cursor. It is
	// only brought up to date where it already shows (the fields say the
	// rest).
	if s.server.kind != statusNone {
		if a.Host == "" {
			s.server.set(statusInfo, say("account.server.manual", "Host", "—"))
		} else {
			s.server.set(statusInfo, s.serverMsg())
		}
	}
	s.result.set(statusNone, msg{})
	s.changed()
}

// renderHints lists what the provider needs besides the password.
func (s *accountForm) renderHints() {
	s.hints.RemoveAll()
	name := s.acct.ProviderName
	if text := s.advice.Text(current); text != "" {
		s.hints.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.InfoIcon()), nil, wrapLabel(text)))
	}
	if s.acct.isPOP3() && s.advice != autoconfig.AdvicePOP3Only {
		// POP3 chosen by hand: say what it sees.
		s.hints.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.InfoIcon()), nil, wrapLabel(tr("hint.pop3-chosen"))))
	}
	for _, n := range s.needs {
		l := wrapLabel(tr("hint."+string(n), map[string]any{"Provider": name}))
		s.hints.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.InfoIcon()), nil, l))
		if n == autoconfig.NeedAppPassword && s.helpURL != "" {
			if u, err := url.Parse(s.helpURL); err == nil {
				s.hints.Add(widget.NewHyperlink(tr("hint.app-password.link"), u))
			}
		}
	}
}

func (s *accountForm) chooseCAFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		s.caFile.SetText(r.URI().Path())
	}, s.u.win)
	d.Show()
}

// check says what is missing before a connection can be tried.
func (s *accountForm) check() (msg, bool) {
	a := *s.acct
	if _, _, ok := splitEmail(a.Email); !ok {
		return say("account.need-email"), false
	}
	if a.Password.Empty() {
		return say("account.need-password"), false
	}
	return msg{}, true
}

// test tries to log in; on success then runs (on the UI goroutine).
func (s *accountForm) test(then func()) {
	if s.running {
		return
	}
	if m, ok := s.check(); !ok {
		s.result.set(statusBad, m)
		return
	}
	s.running = true
	s.rerender()
	if s.acct.Host == "" {
		if s.manual {
			s.result.set(statusBad, say("account.need-host"))
			s.finishRun()
			return
		}
		s.lookup(func() { s.connect(then) })
		return
	}
	s.connect(then)
}

func (s *accountForm) connect(then func()) {
	cfg := s.acct.conn()
	pop, popCfg := s.acct.isPOP3(), s.acct.pop3()
	s.result.set(statusWorking, say("account.connecting", "Host", cfg.Host))
	ctx, cancel := context.WithTimeout(s.u.root, 90*time.Second)
	s.u.goBackground(func() {
		var err error
		if pop {
			err = s.u.eng.POP3.TestConnection(ctx, popCfg)
		} else {
			err = s.u.eng.Conn.TestConnection(ctx, cfg)
		}
		cancel()
		s.u.do(func() {
			if err != nil {
				s.result.set(statusBad, errMsg(err, cfg.Host))
				if k := errorNeedsAdvanced(err); k {
					s.advanced.Open(0)
				}
				s.finishRun()
				return
			}
			s.result.set(statusOK, say("account.connected", "Host", cfg.Host))
			s.finishRun()
			if then != nil {
				then()
			}
		})
	})
}

func (s *accountForm) finishRun() {
	s.running = false
	s.rerender()
}

func (s *accountForm) onSaved(email string) {
	if s.filling || s.u.store == nil {
		return
	}
	for _, a := range s.u.store.Accounts() {
		if a.Email == email {
			s.loadProfile(a)
			s.changed()
			s.u.render()
			return
		}
	}
}

// loadProfile fills the form from a saved account, with the password
// when it was remembered.
func (s *accountForm) loadProfile(p settings.Account) {
	sec, _ := imapconn.ParseSecurity(p.Security)
	*s.acct = account{Email: p.Email, Host: p.Host, Port: p.Port, Security: sec, CAFile: p.CAFile,
		User: p.User, ArchiveDir: p.ArchiveDir, Remember: p.RememberPassword, ServerSource: "saved", Protocol: p.Protocol}
	if st, ok := autoconfig.Lookup(p.Email); ok && st.Host == p.Host {
		s.acct.ProviderName = st.Name
		s.needs, s.helpURL = st.Needs, st.HelpURL
	} else {
		s.needs, s.helpURL = nil, ""
	}
	s.manual = true // keep the saved server; typing a new address clears it
	s.fillAll()
	acct := s.acct
	s.u.loadSavedPassword(p.ID, p.RememberPassword, func(pw secret.Password) {
		if acct.Email != p.Email || !acct.Password.Empty() {
			return // another account was chosen, or a password typed, meanwhile
		}
		acct.Password = pw
		s.fillAll()
	})
}

// prefill fills the form with a demo account.
func (s *accountForm) prefill(d DemoAccount) {
	*s.acct = account{Email: d.Email, Password: secret.New(d.Password), Host: d.Host, Port: d.Port,
		Security: d.Security, User: d.Email, ArchiveDir: d.ArchiveDir, ServerSource: "demo"}
	s.manual = true
	s.fillAll()
}

func (s *accountForm) fillAll() {
	a := *s.acct
	s.filling = true
	s.email.SetText(a.Email)
	s.password.SetText(a.Password.Reveal())
	s.remember.SetChecked(a.Remember)
	s.filling = false
	s.fillServerFields()
	if a.Host != "" {
		s.server.set(statusInfo, s.serverMsg())
	}
	s.result.set(statusNone, msg{})
	s.renderHints()
}

// errorNeedsAdvanced reports whether the fix is in the server settings, so
// the fold opens to show them.
func errorNeedsAdvanced(err error) bool {
	switch kindOf(err) {
	case "host-not-found", "connection-refused", "cert-untrusted", "cert-mismatch", "not-tls", "not-imap",
		"insecure-refused", "no-starttls":
		return true
	}
	return false
}

func splitEmail(v string) (local, domain string, ok bool) {
	v = strings.TrimSpace(v)
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 || strings.ContainsAny(v, " \t") || !strings.Contains(v[at+1:], ".") {
		return "", "", false
	}
	return v[:at], strings.ToLower(v[at+1:]), true
}
