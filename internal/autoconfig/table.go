package autoconfig

import (
	"strings"

	"github.com/mailark/mailark/internal/imapconn"
)

// Need is something a provider asks for besides the address and password.
type Need string

const (
	// NeedAppPassword: the normal password is refused for mail programs;
	// the provider's security page issues a separate "app password".
	NeedAppPassword Need = "app-password"
	// NeedIMAPEnabled: IMAP access is off until switched on in the
	// provider's web mail settings (or ordered as an option).
	NeedIMAPEnabled Need = "enable-imap"
	// NeedProviderID: the login is an ID the provider issued, not the
	// email address (docomo: the d ACCOUNT ID; au: the au ID).
	NeedProviderID Need = "provider-id"
	// NeedBridge: the provider's own bridge program must run on this
	// computer and gives its own password (Proton Mail Bridge).
	NeedBridge Need = "bridge"
)

// Provider is one row of the built-in table.
type Provider struct {
	ID       string // stable key, also used for translated text ("provider.gmail")
	Name     string // as the provider writes it
	Domains  []string
	Suffix   bool   // a subdomain of a listed domain matches too (xxx.ocn.ne.jp)
	Host     string // "{domain}" is replaced by the address's domain
	Port     int
	Security imapconn.Security
	Needs    []Need
	HelpURL  string // the provider's own page about the app password, when known
	// POP3Host is the provider's POP3 server ("" when it has none, or it
	// is not known here), with implicit TLS on POP3Port (995).
	POP3Host string
	POP3Port int
}

// providers is the built-in table. Host names were checked against the
// providers' published settings (and, where the provider publishes none for
// IMAP, against programs known to work with them); see the comments.
var providers = []Provider{
	// Global webmail.
	{ID: "gmail", Name: "Gmail", Domains: []string{"gmail.com", "googlemail.com"},
		Host: "imap.gmail.com", Port: 993, Needs: []Need{NeedAppPassword},
		HelpURL:  "https://support.google.com/accounts/answer/185833",
		POP3Host: "pop.gmail.com", POP3Port: 995},
	// Outlook.com accepts an app password only with two-step verification
	// on; Microsoft is moving personal accounts to web sign-in only.
	{ID: "outlook", Name: "Outlook.com", Domains: []string{"outlook.com", "outlook.jp", "hotmail.com",
		"hotmail.co.jp", "hotmail.co.uk", "live.com", "live.jp", "msn.com"},
		Host: "outlook.office365.com", Port: 993, Needs: []Need{NeedAppPassword},
		POP3Host: "outlook.office365.com", POP3Port: 995},
	{ID: "yahoo", Name: "Yahoo Mail", Domains: []string{"yahoo.com", "ymail.com", "rocketmail.com",
		"yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.ca", "yahoo.com.au"},
		Host: "imap.mail.yahoo.com", Port: 993, Needs: []Need{NeedAppPassword},
		HelpURL:  "https://help.yahoo.com/kb/SLN15241.html",
		POP3Host: "pop.mail.yahoo.com", POP3Port: 995},
	{ID: "icloud", Name: "iCloud Mail", Domains: []string{"icloud.com", "me.com", "mac.com"},
		Host: "imap.mail.me.com", Port: 993, Needs: []Need{NeedAppPassword},
		HelpURL: "https://support.apple.com/102654"},
	{ID: "aol", Name: "AOL Mail", Domains: []string{"aol.com", "aim.com"},
		Host: "imap.aol.com", Port: 993, Needs: []Need{NeedAppPassword},
		POP3Host: "pop.aol.com", POP3Port: 995},
	{ID: "gmx", Name: "GMX", Domains: []string{"gmx.com", "gmx.us"},
		Host: "imap.gmx.com", Port: 993, Needs: []Need{NeedIMAPEnabled},
		POP3Host: "pop.gmx.com", POP3Port: 995},
	{ID: "gmx-de", Name: "GMX", Domains: []string{"gmx.net", "gmx.de", "gmx.at", "gmx.ch"},
		Host: "imap.gmx.net", Port: 993, Needs: []Need{NeedIMAPEnabled},
		POP3Host: "pop.gmx.net", POP3Port: 995},
	{ID: "mailcom", Name: "mail.com", Domains: []string{"mail.com", "email.com", "usa.com"},
		Host: "imap.mail.com", Port: 993, Needs: []Need{NeedIMAPEnabled},
		POP3Host: "pop.mail.com", POP3Port: 995},
	{ID: "zoho", Name: "Zoho Mail", Domains: []string{"zoho.com", "zohomail.com"},
		Host: "imap.zoho.com", Port: 993, Needs: []Need{NeedIMAPEnabled, NeedAppPassword},
		POP3Host: "pop.zoho.com", POP3Port: 995},
	{ID: "zoho-eu", Name: "Zoho Mail", Domains: []string{"zoho.eu", "zohomail.eu"},
		Host: "imap.zoho.eu", Port: 993, Needs: []Need{NeedIMAPEnabled, NeedAppPassword},
		POP3Host: "pop.zoho.eu", POP3Port: 995},
	{ID: "fastmail", Name: "Fastmail", Domains: []string{"fastmail.com", "fastmail.fm", "fastmail.jp"},
		Host: "imap.fastmail.com", Port: 993, Needs: []Need{NeedAppPassword},
		POP3Host: "pop.fastmail.com", POP3Port: 995},
	// Proton has no IMAP on the internet: Proton Mail Bridge serves it on
	// this computer, with STARTTLS and its own certificate and password.
	{ID: "proton", Name: "Proton Mail", Domains: []string{"proton.me", "protonmail.com", "protonmail.ch", "pm.me"},
		Host: "127.0.0.1", Port: 1143, Security: imapconn.StartTLS, Needs: []Need{NeedBridge}},

	// Japanese ISPs.
	{ID: "ocn", Name: "OCN", Domains: []string{"ocn.ne.jp"}, Suffix: true,
		Host: "imap.ocn.ne.jp", Port: 993,
		POP3Host: "pop.ocn.ne.jp", POP3Port: 995},
	// So-net: the IMAP service is an option that must be applied for.
	{ID: "sonet", Name: "So-net", Domains: []string{"so-net.ne.jp"}, Suffix: true,
		Host: "imap.so-net.ne.jp", Port: 993, Needs: []Need{NeedIMAPEnabled},
		POP3Host: "pop.so-net.ne.jp", POP3Port: 995},
	// BIGLOBE serves IMAP on its mail host (support.biglobe.ne.jp).
	{ID: "biglobe", Name: "BIGLOBE", Domains: []string{"biglobe.ne.jp"}, Suffix: true,
		Host: "mail.biglobe.ne.jp", Port: 993,
		POP3Host: "mail.biglobe.ne.jp", POP3Port: 995},
	{ID: "nifty", Name: "@nifty", Domains: []string{"nifty.com"},
		Host: "imap.nifty.com", Port: 993,
		POP3Host: "pop.nifty.com", POP3Port: 995},
	{ID: "plala", Name: "ぷらら", Domains: []string{"plala.or.jp"}, Suffix: true,
		Host: "imap.plala.or.jp", Port: 993},
	{ID: "eonet", Name: "eo", Domains: []string{"eonet.ne.jp"}, Suffix: true,
		Host: "imaps.eonet.ne.jp", Port: 993},
	// J:COM publishes imap.jcom.zaq.ne.jp for @jcom.zaq.ne.jp; the regional
	// ZAQ stations follow the same imap.<domain> pattern.
	{ID: "jcom", Name: "J:COM", Domains: []string{"jcom.zaq.ne.jp"},
		Host: "imap.jcom.zaq.ne.jp", Port: 993,
		POP3Host: "pop.jcom.zaq.ne.jp", POP3Port: 995},
	{ID: "zaq", Name: "ZAQ", Domains: []string{"zaq.ne.jp"}, Suffix: true,
		Host: "imap.{domain}", Port: 993,
		POP3Host: "pop.{domain}", POP3Port: 995},
	{ID: "yahoo-jp", Name: "Yahoo!メール", Domains: []string{"yahoo.co.jp", "ymail.ne.jp"},
		Host: "imap.mail.yahoo.co.jp", Port: 993, Needs: []Need{NeedIMAPEnabled},
		POP3Host: "pop.mail.yahoo.co.jp", POP3Port: 995},

	// Japanese carriers.
	// docomo mail: the login is the d ACCOUNT ID and the password is the
	// "IMAP専用パスワード" from My docomo.
	{ID: "docomo", Name: "ドコモメール", Domains: []string{"docomo.ne.jp"},
		Host: "imap.spmode.ne.jp", Port: 993, Needs: []Need{NeedProviderID, NeedAppPassword}},
	// au mail (@au.com, formerly @ezweb.ne.jp) is served by the ezweb host;
	// it takes an ID and a separate mail password.
	{ID: "au", Name: "auメール", Domains: []string{"au.com", "ezweb.ne.jp"},
		Host: "imap.ezweb.ne.jp", Port: 993, Needs: []Need{NeedProviderID, NeedAppPassword}},
	{ID: "softbank", Name: "SoftBank", Domains: []string{"i.softbank.jp"},
		Host: "imap.softbank.jp", Port: 993},
}

// Providers returns a copy of the built-in table.
func Providers() []Provider {
	out := make([]Provider, len(providers))
	copy(out, providers)
	return out
}

// Lookup finds the address's domain in the built-in table. It does no I/O,
// so the GUI calls it on every keystroke.
func Lookup(email string) (Settings, bool) {
	_, domain, ok := splitAddress(email)
	if !ok {
		return Settings{}, false
	}
	p, ok := providerForDomain(domain)
	if !ok {
		return Settings{}, false
	}
	return p.settings(email, domain, SourceTable), true
}

func providerForDomain(domain string) (Provider, bool) {
	// Exact matches first, so jcom.zaq.ne.jp is J:COM, not generic ZAQ.
	for _, p := range providers {
		for _, d := range p.Domains {
			if domain == d {
				return p, true
			}
		}
	}
	for _, p := range providers {
		if !p.Suffix {
			continue
		}
		for _, d := range p.Domains {
			if strings.HasSuffix(domain, "."+d) {
				return p, true
			}
		}
	}
	return Provider{}, false
}

// ProviderForHost returns the table row whose server is host, so that a
// failed login to imap.gmail.com can say "Gmail needs an app password" even
// when the settings were typed by hand.
func ProviderForHost(host string) (Provider, bool) {
	h := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	for _, p := range providers {
		if p.Host == h && !strings.Contains(p.Host, "{") && p.Host != "127.0.0.1" {
			return p, true
		}
	}
	return Provider{}, false
}

func (p Provider) settings(email, domain, source string) Settings {
	s := Settings{
		Host:     strings.ReplaceAll(p.Host, "{domain}", domain),
		Port:     p.Port,
		Security: p.Security,
		Protocol: ProtocolIMAP,
		Source:   source,
		Provider: p.ID,
		Name:     p.Name,
		User:     email,
		Needs:    append([]Need(nil), p.Needs...),
		HelpURL:  p.HelpURL,
		Advice:   AdviceIMAPOnly,
	}
	if p.POP3Host != "" {
		s.POP3 = &Server{Host: strings.ReplaceAll(p.POP3Host, "{domain}", domain), Port: p.POP3Port, Security: imapconn.TLS}
		s.Advice = AdviceIMAPPreferred
	}
	return s
}

// Has reports whether the provider asks for n.
func (p Provider) Has(n Need) bool {
	for _, x := range p.Needs {
		if x == n {
			return true
		}
	}
	return false
}
