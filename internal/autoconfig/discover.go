package autoconfig

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/imapconn"
)

// Where the settings came from.
const (
	SourceTable      = "table"      // the built-in provider table
	SourceSRV        = "dns-srv"    // RFC 6186 SRV records
	SourceAutoconfig = "autoconfig" // the provider's (or Thunderbird's) config-v1.1.xml
	SourceMX         = "mx"         // the domain's mail is handled by a known provider
	SourceGuess      = "guess"      // imap.DOMAIN or mail.DOMAIN exists; not confirmed
)

// Settings are the server settings for one address.
type Settings struct {
	// Host, Port and Security are the server to back up from: the IMAP
	// server, or the POP3 server when the provider offers only POP3
	// (Protocol says which).
	Host     string
	Port     int
	Security imapconn.Security
	Protocol string // ProtocolIMAP or ProtocolPOP3
	// POP3 is the provider's POP3 server besides its IMAP one, when known:
	// not used by default (Advice says why).
	POP3     *Server
	Advice   Advice
	Source   string // one of the Source constants
	Provider string // table ID ("gmail"), "" when not from the table or MX
	Name     string // the provider's name for display, "" when unknown
	User     string // the login: the address unless the provider says otherwise
	Needs    []Need
	HelpURL  string
}

// NeedsAppPassword reports whether the provider is known to refuse the
// normal password for mail programs.
func (s Settings) NeedsAppPassword() bool { return s.has(NeedAppPassword) }

func (s Settings) has(n Need) bool {
	for _, x := range s.Needs {
		if x == n {
			return true
		}
	}
	return false
}

// ErrBadAddress means the text is not an email address.
var ErrBadAddress = errors.New("autoconfig: not an email address")

// ErrNotFound means no source knew the domain.
var ErrNotFound = errors.New("autoconfig: no server settings found")

// Resolver is the part of *net.Resolver that Discover uses.
type Resolver interface {
	LookupSRV(ctx context.Context, service, proto, name string) (string, []*net.SRV, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// Options for Discover. The zero value uses the system resolver and HTTPS.
type Options struct {
	Resolver Resolver
	// HTTPClient fetches autoconfig files. The default has a 10 s timeout
	// and follows only HTTPS redirects.
	HTTPClient *http.Client
	// AutoconfigURLs returns the URLs to try, in order; default DefaultURLs.
	AutoconfigURLs func(domain, email string) []string
	// StepTimeout bounds each DNS or HTTP step (default 8 s).
	StepTimeout time.Duration
	// NoGuess leaves out the last step (imap.DOMAIN).
	NoGuess bool
}

func (o *Options) applyDefaults() {
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{
			Timeout: 10 * time.Second,
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if req.URL.Scheme != "https" || len(via) > 5 {
					return errors.New("autoconfig: refusing a redirect that is not HTTPS")
				}
				return nil
			},
		}
	}
	if o.AutoconfigURLs == nil {
		o.AutoconfigURLs = DefaultURLs
	}
	if o.StepTimeout <= 0 {
		o.StepTimeout = 8 * time.Second
	}
}

// DefaultURLs are the autoconfig locations Thunderbird uses, HTTPS only:
// the provider's autoconfig host, its well-known path, then the ISPDB.
func DefaultURLs(domain, email string) []string {
	return []string{
		"https://autoconfig." + domain + "/mail/config-v1.1.xml?emailaddress=" + url.QueryEscape(email),
		"https://" + domain + "/.well-known/autoconfig/mail/config-v1.1.xml",
		"https://autoconfig.thunderbird.net/v1.1/" + domain,
	}
}

// Discover finds the IMAP settings for email (see the package comment for
// the order). It returns ErrBadAddress or ErrNotFound, or ctx's error.
func Discover(ctx context.Context, email string, opts Options) (Settings, error) {
	opts.applyDefaults()
	email = strings.TrimSpace(email)
	_, domain, ok := splitAddress(email)
	if !ok {
		return Settings{}, ErrBadAddress
	}
	if s, ok := Lookup(email); ok {
		return s, nil
	}
	steps := []func(context.Context, string, string, Options) (Settings, bool){srv, autoconfigFile, mx}
	if !opts.NoGuess {
		steps = append(steps, guess)
	}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return Settings{}, err
		}
		sctx, cancel := context.WithTimeout(ctx, opts.StepTimeout)
		s, ok := step(sctx, email, domain, opts)
		cancel()
		if ok {
			return s, nil
		}
	}
	if err := ctx.Err(); err != nil {
		return Settings{}, err
	}
	return Settings{}, fmt.Errorf("%w for %s", ErrNotFound, domain)
}

// srv reads RFC 6186 records: _imaps._tcp first (implicit TLS), then _imap._tcp
// (STARTTLS). A single record with target "." says the service is absent.
func srv(ctx context.Context, email, domain string, o Options) (Settings, bool) {
	// IMAP first; POP3 (RFC 6186's _pop3s and _pop3) only when the domain
	// publishes no IMAP.
	for _, svc := range []struct {
		name     string
		sec      imapconn.Security
		protocol string
		advice   Advice
	}{{"imaps", imapconn.TLS, ProtocolIMAP, AdviceIMAPOnly}, {"imap", imapconn.StartTLS, ProtocolIMAP, AdviceIMAPOnly},
		{"pop3s", imapconn.TLS, ProtocolPOP3, AdvicePOP3Only}, {"pop3", imapconn.StartTLS, ProtocolPOP3, AdvicePOP3Only}} {
		_, addrs, err := o.Resolver.LookupSRV(ctx, svc.name, "tcp", domain)
		if err != nil || len(addrs) == 0 {
			continue
		}
		sort.SliceStable(addrs, func(i, j int) bool {
			if addrs[i].Priority != addrs[j].Priority {
				return addrs[i].Priority < addrs[j].Priority
			}
			return addrs[i].Weight > addrs[j].Weight
		})
		a := addrs[0]
		host := strings.TrimSuffix(a.Target, ".")
		if host == "" || a.Port == 0 {
			continue // "." : no IMAP of this kind here
		}
		return Settings{Host: strings.ToLower(host), Port: int(a.Port), Security: svc.sec, Protocol: svc.protocol,
			Source: SourceSRV, User: email, Advice: svc.advice}, true
	}
	return Settings{}, false
}

func autoconfigFile(ctx context.Context, email, domain string, o Options) (Settings, bool) {
	for _, u := range o.AutoconfigURLs(domain, email) {
		if ctx.Err() != nil {
			return Settings{}, false
		}
		s, err := fetchConfig(ctx, o.HTTPClient, u, email, domain)
		if err == nil {
			return s, true
		}
	}
	return Settings{}, false
}

// mxProviders maps the end of an MX host name to the provider that runs
// the domain's mail (Google Workspace, Microsoft 365 and others host many
// company and school domains).
var mxProviders = []struct{ suffix, provider, name, host string }{
	{"google.com", "gmail", "Google Workspace", "imap.gmail.com"},
	{"googlemail.com", "gmail", "Google Workspace", "imap.gmail.com"},
	{"mail.protection.outlook.com", "outlook", "Microsoft 365", "outlook.office365.com"},
	{"yahoodns.net", "yahoo", "Yahoo Mail", "imap.mail.yahoo.com"},
	{"icloud.com", "icloud", "iCloud Mail", "imap.mail.me.com"},
	{"messagingengine.com", "fastmail", "Fastmail", "imap.fastmail.com"},
	{"zoho.com", "zoho", "Zoho Mail", "imap.zoho.com"},
	{"zoho.eu", "zoho-eu", "Zoho Mail", "imap.zoho.eu"},
}

func mx(ctx context.Context, email, domain string, o Options) (Settings, bool) {
	recs, err := o.Resolver.LookupMX(ctx, domain)
	if err != nil {
		return Settings{}, false
	}
	for _, r := range recs {
		h := strings.TrimSuffix(strings.ToLower(r.Host), ".")
		for _, m := range mxProviders {
			if h == m.suffix || strings.HasSuffix(h, "."+m.suffix) {
				s := Settings{Host: m.host, Port: 993, Security: imapconn.TLS, Protocol: ProtocolIMAP, Advice: AdviceIMAPOnly, Source: SourceMX,
					Provider: m.provider, Name: m.name, User: email}
				for _, p := range providers {
					if p.ID == m.provider {
						s.Needs = append([]Need(nil), p.Needs...)
						s.HelpURL = p.HelpURL
					}
				}
				return s, true
			}
		}
	}
	return Settings{}, false
}

// guess tries imap.DOMAIN, then mail.DOMAIN: the first name that resolves,
// on 993 with TLS. Test connection is what confirms it.
func guess(ctx context.Context, email, domain string, o Options) (Settings, bool) {
	for _, h := range []string{"imap." + domain, "mail." + domain} {
		if addrs, err := o.Resolver.LookupHost(ctx, h); err == nil && len(addrs) > 0 {
			return Settings{Host: h, Port: 993, Security: imapconn.TLS, Protocol: ProtocolIMAP, Advice: AdviceIMAPOnly, Source: SourceGuess, User: email}, true
		}
	}
	return Settings{}, false
}

// splitAddress splits "local@domain" and lower-cases the domain.
func splitAddress(email string) (local, domain string, ok bool) {
	email = strings.TrimSpace(email)
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 {
		return "", "", false
	}
	local, domain = email[:at], strings.TrimSuffix(strings.ToLower(email[at+1:]), ".")
	if strings.ContainsAny(domain, " /\\@:") || !strings.Contains(domain, ".") || strings.ContainsAny(local, " ") {
		return "", "", false
	}
	return local, domain, true
}
