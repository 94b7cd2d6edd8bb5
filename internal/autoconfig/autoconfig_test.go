package autoconfig_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/autoconfig"
	"github.com/mailark/mailark/internal/imapconn"
)

func TestLookupTable(t *testing.T) {
	tests := []struct {
		email, host string
		port        int
		sec         imapconn.Security
		appPassword bool
	}{
		{"hanako@gmail.com", "imap.gmail.com", 993, imapconn.TLS, true},
		{"Hanako@GoogleMail.com", "imap.gmail.com", 993, imapconn.TLS, true},
		{"taro@hotmail.co.jp", "outlook.office365.com", 993, imapconn.TLS, true},
		{"taro@outlook.jp", "outlook.office365.com", 993, imapconn.TLS, true},
		{"a@yahoo.com", "imap.mail.yahoo.com", 993, imapconn.TLS, true},
		{"a@icloud.com", "imap.mail.me.com", 993, imapconn.TLS, true},
		{"a@me.com", "imap.mail.me.com", 993, imapconn.TLS, true},
		{"a@aol.com", "imap.aol.com", 993, imapconn.TLS, true},
		{"a@gmx.net", "imap.gmx.net", 993, imapconn.TLS, false},
		{"a@gmx.com", "imap.gmx.com", 993, imapconn.TLS, false},
		{"a@mail.com", "imap.mail.com", 993, imapconn.TLS, false},
		{"a@zoho.com", "imap.zoho.com", 993, imapconn.TLS, true},
		{"a@fastmail.com", "imap.fastmail.com", 993, imapconn.TLS, true},
		{"a@proton.me", "127.0.0.1", 1143, imapconn.StartTLS, false},
		{"yamada@ocn.ne.jp", "imap.ocn.ne.jp", 993, imapconn.TLS, false},
		{"yamada@juno.ocn.ne.jp", "imap.ocn.ne.jp", 993, imapconn.TLS, false},
		{"yamada@xa2.so-net.ne.jp", "imap.so-net.ne.jp", 993, imapconn.TLS, false},
		{"yamada@kfa.biglobe.ne.jp", "mail.biglobe.ne.jp", 993, imapconn.TLS, false},
		{"yamada@nifty.com", "imap.nifty.com", 993, imapconn.TLS, false},
		{"yamada@ab.plala.or.jp", "imap.plala.or.jp", 993, imapconn.TLS, false},
		{"yamada@iris.eonet.ne.jp", "imaps.eonet.ne.jp", 993, imapconn.TLS, false},
		{"yamada@jcom.zaq.ne.jp", "imap.jcom.zaq.ne.jp", 993, imapconn.TLS, false},
		{"yamada@kyoto.zaq.ne.jp", "imap.kyoto.zaq.ne.jp", 993, imapconn.TLS, false},
		{"yamada@yahoo.co.jp", "imap.mail.yahoo.co.jp", 993, imapconn.TLS, false},
		{"yamada@docomo.ne.jp", "imap.spmode.ne.jp", 993, imapconn.TLS, true},
		{"yamada@au.com", "imap.ezweb.ne.jp", 993, imapconn.TLS, true},
		{"yamada@ezweb.ne.jp", "imap.ezweb.ne.jp", 993, imapconn.TLS, true},
		{"yamada@i.softbank.jp", "imap.softbank.jp", 993, imapconn.TLS, false},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			s, ok := autoconfig.Lookup(tt.email)
			if !ok {
				t.Fatalf("Lookup(%q) found nothing", tt.email)
			}
			if s.Host != tt.host || s.Port != tt.port || s.Security != tt.sec || s.Source != autoconfig.SourceTable {
				t.Errorf("Lookup(%q) = %s:%d %v (%s), want %s:%d %v (table)", tt.email, s.Host, s.Port, s.Security, s.Source, tt.host, tt.port, tt.sec)
			}
			if s.NeedsAppPassword() != tt.appPassword {
				t.Errorf("Lookup(%q).NeedsAppPassword() = %v, want %v", tt.email, s.NeedsAppPassword(), tt.appPassword)
			}
			if s.User != tt.email {
				t.Errorf("Lookup(%q).User = %q, want the address", tt.email, s.User)
			}
		})
	}
	for _, bad := range []string{"", "hanako", "@gmail.com", "hanako@", "hanako@localhost", "a b@gmail.com", "a@example.org"} {
		if s, ok := autoconfig.Lookup(bad); ok {
			t.Errorf("Lookup(%q) = %+v, want nothing", bad, s)
		}
	}
}

func TestProviderForHost(t *testing.T) {
	if p, ok := autoconfig.ProviderForHost("IMAP.gmail.com."); !ok || p.ID != "gmail" || !p.Has(autoconfig.NeedAppPassword) {
		t.Errorf("ProviderForHost(imap.gmail.com) = %+v, %v", p, ok)
	}
	if _, ok := autoconfig.ProviderForHost("imap.example.org"); ok {
		t.Error("ProviderForHost(imap.example.org) found a provider")
	}
	if _, ok := autoconfig.ProviderForHost("127.0.0.1"); ok {
		t.Error("ProviderForHost(127.0.0.1) should not claim every loopback server is Proton")
	}
}

// fakeResolver answers from maps; anything else is "no such host".
type fakeResolver struct {
	srv   map[string][]*net.SRV // "imaps/example.org"
	mx    map[string][]*net.MX
	hosts map[string]bool
	calls []string
}

func notFound(name string) error {
	return &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (r *fakeResolver) LookupSRV(_ context.Context, service, proto, name string) (string, []*net.SRV, error) {
	r.calls = append(r.calls, "srv "+service+" "+name)
	if a, ok := r.srv[service+"/"+name]; ok {
		return "", a, nil
	}
	return "", nil, notFound(name)
}

func (r *fakeResolver) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	r.calls = append(r.calls, "mx "+name)
	if a, ok := r.mx[name]; ok {
		return a, nil
	}
	return nil, notFound(name)
}

func (r *fakeResolver) LookupHost(_ context.Context, host string) ([]string, error) {
	r.calls = append(r.calls, "host "+host)
	if r.hosts[host] {
		return []string{"192.0.2.1"}, nil
	}
	return nil, notFound(host)
}

const configXML = `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.org">
    <domain>example.org</domain>
    <displayName>Example ISP</displayName>
    <incomingServer type="pop3">
      <hostname>pop.example.org</hostname><port>995</port><socketType>SSL</socketType>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>plain.example.org</hostname><port>143</port><socketType>plain</socketType>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>starttls.%EMAILDOMAIN%</hostname><port>143</port><socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>imap.example.org</hostname><port>993</port><socketType>SSL</socketType>
      <username>%EMAILLOCALPART%</username>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>oauth-only.example.org</hostname><port>993</port><socketType>SSL</socketType>
      <authentication>OAuth2</authentication>
    </incomingServer>
  </emailProvider>
</clientConfig>`

func TestDiscover(t *testing.T) {
	// One httptest server plays every autoconfig location; paths say which.
	mux := http.NewServeMux()
	mux.HandleFunc("/good/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(configXML)) })
	mux.HandleFunc("/broken/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<clientConfig><nope")) })
	mux.HandleFunc("/missing/", http.NotFound)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	urls := func(paths ...string) func(domain, email string) []string {
		return func(domain, email string) []string {
			var out []string
			for _, p := range paths {
				out = append(out, srv.URL+"/"+p+"/"+domain)
			}
			return out
		}
	}

	tests := []struct {
		name     string
		email    string
		resolver *fakeResolver
		urls     []string
		want     autoconfig.Settings
		wantErr  error
	}{
		{name: "table wins before any lookup", email: "hanako@gmail.com", resolver: &fakeResolver{},
			want: autoconfig.Settings{Host: "imap.gmail.com", Port: 993, Security: imapconn.TLS, Source: autoconfig.SourceTable}},
		{name: "srv imaps", email: "a@example.org", resolver: &fakeResolver{srv: map[string][]*net.SRV{
			"imaps/example.org": {{Target: "backup.example.net.", Port: 993, Priority: 20}, {Target: "Mail.Example.net.", Port: 993, Priority: 10}},
			"imap/example.org":  {{Target: "other.example.net.", Port: 143}},
		}}, urls: []string{"good"},
			want: autoconfig.Settings{Host: "mail.example.net", Port: 993, Security: imapconn.TLS, Source: autoconfig.SourceSRV}},
		{name: "srv imap is starttls", email: "a@example.org", resolver: &fakeResolver{srv: map[string][]*net.SRV{
			"imap/example.org": {{Target: "mail.example.net.", Port: 143}},
		}}, urls: []string{"good"},
			want: autoconfig.Settings{Host: "mail.example.net", Port: 143, Security: imapconn.StartTLS, Source: autoconfig.SourceSRV}},
		{name: "srv dot means none, autoconfig next", email: "a@example.org", resolver: &fakeResolver{srv: map[string][]*net.SRV{
			"imaps/example.org": {{Target: ".", Port: 0}},
		}}, urls: []string{"missing", "broken", "good"},
			want: autoconfig.Settings{Host: "imap.example.org", Port: 993, Security: imapconn.TLS, Source: autoconfig.SourceAutoconfig}},
		{name: "mx google workspace", email: "a@company.example", resolver: &fakeResolver{mx: map[string][]*net.MX{
			"company.example": {{Host: "ASPMX.L.GOOGLE.COM.", Pref: 1}},
		}}, urls: []string{"missing"},
			want: autoconfig.Settings{Host: "imap.gmail.com", Port: 993, Security: imapconn.TLS, Source: autoconfig.SourceMX}},
		{name: "mx microsoft 365", email: "a@company.example", resolver: &fakeResolver{mx: map[string][]*net.MX{
			"company.example": {{Host: "company-example.mail.protection.outlook.com.", Pref: 0}},
		}}, urls: nil,
			want: autoconfig.Settings{Host: "outlook.office365.com", Port: 993, Security: imapconn.TLS, Source: autoconfig.SourceMX}},
		{name: "guess mail.domain", email: "a@small.example", resolver: &fakeResolver{hosts: map[string]bool{"mail.small.example": true}},
			want: autoconfig.Settings{Host: "mail.small.example", Port: 993, Security: imapconn.TLS, Source: autoconfig.SourceGuess}},
		{name: "nothing", email: "a@nowhere.example", resolver: &fakeResolver{}, urls: []string{"missing"}, wantErr: autoconfig.ErrNotFound},
		{name: "not an address", email: "hanako", resolver: &fakeResolver{}, wantErr: autoconfig.ErrBadAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := autoconfig.Discover(context.Background(), tt.email, autoconfig.Options{
				Resolver: tt.resolver, HTTPClient: srv.Client(), AutoconfigURLs: urls(tt.urls...)})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Discover(%q) error = %v, want %v", tt.email, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Discover(%q) error = %v", tt.email, err)
			}
			if got.Host != tt.want.Host || got.Port != tt.want.Port || got.Security != tt.want.Security || got.Source != tt.want.Source {
				t.Errorf("Discover(%q) = %s:%d %v (%s), want %s:%d %v (%s)", tt.email, got.Host, got.Port, got.Security, got.Source,
					tt.want.Host, tt.want.Port, tt.want.Security, tt.want.Source)
			}
		})
	}
}

func TestTableNeedsNoNetwork(t *testing.T) {
	r := &fakeResolver{}
	if _, err := autoconfig.Discover(context.Background(), "a@docomo.ne.jp", autoconfig.Options{Resolver: r,
		AutoconfigURLs: func(string, string) []string { t.Fatal("fetched autoconfig for a table domain"); return nil }}); err != nil {
		t.Fatal(err)
	}
	if len(r.calls) != 0 {
		t.Errorf("DNS calls for a table domain: %v", r.calls)
	}
}

func TestParseConfig(t *testing.T) {
	s, err := autoconfig.ParseConfig(strings.NewReader(configXML), "hanako@example.org", "example.org")
	if err != nil {
		t.Fatal(err)
	}
	if s.Host != "imap.example.org" || s.User != "hanako" || s.Name != "Example ISP" {
		t.Errorf("ParseConfig() = %+v, want imap.example.org, user hanako, name Example ISP", s)
	}
	onlyPlain := `<clientConfig><emailProvider><incomingServer type="imap"><hostname>h</hostname><port>143</port><socketType>plain</socketType></incomingServer></emailProvider></clientConfig>`
	if _, err := autoconfig.ParseConfig(strings.NewReader(onlyPlain), "a@b.example", "b.example"); err == nil {
		t.Error("ParseConfig(plain only) succeeded; plain text must never be offered automatically")
	}
}

func TestDefaultURLs(t *testing.T) {
	got := autoconfig.DefaultURLs("example.org", "a+b@example.org")
	want := []string{
		"https://autoconfig.example.org/mail/config-v1.1.xml?emailaddress=a%2Bb%40example.org",
		"https://example.org/.well-known/autoconfig/mail/config-v1.1.xml",
		"https://autoconfig.thunderbird.net/v1.1/example.org",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("DefaultURLs() = %q, want %q", got, want)
	}
	for _, u := range got {
		if !strings.HasPrefix(u, "https://") {
			t.Errorf("%s is not HTTPS", u)
		}
	}
}
