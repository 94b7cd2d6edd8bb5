package autoconfig_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/autoconfig"
	"github.com/mailark/mailark/internal/imapconn"
)

func TestIMAPPreferredOverPOP3(t *testing.T) {
	tests := []struct {
		email, imap, pop string
	}{
		{"hanako@gmail.com", "imap.gmail.com", "pop.gmail.com"},
		{"taro@abc.biglobe.ne.jp", "mail.biglobe.ne.jp", "mail.biglobe.ne.jp"},
		{"taro@jcom.zaq.ne.jp", "imap.jcom.zaq.ne.jp", "pop.jcom.zaq.ne.jp"},
		{"taro@kyoto.zaq.ne.jp", "imap.kyoto.zaq.ne.jp", "pop.kyoto.zaq.ne.jp"},
	}
	for _, tt := range tests {
		s, ok := autoconfig.Lookup(tt.email)
		if !ok || s.Protocol != autoconfig.ProtocolIMAP || s.Host != tt.imap || s.POP3 == nil || s.POP3.Host != tt.pop ||
			s.POP3.Port != 995 || s.POP3.Security != imapconn.TLS || s.Advice != autoconfig.AdviceIMAPPreferred {
			t.Errorf("Lookup(%q) = %+v (POP3 %+v), want IMAP %s preferred over POP3 %s", tt.email, s, s.POP3, tt.imap, tt.pop)
		}
	}
	s, _ := autoconfig.Lookup("a@docomo.ne.jp") // no POP3 known
	if s.POP3 != nil || s.Advice != autoconfig.AdviceIMAPOnly || s.Advice.Text("en") != "" {
		t.Errorf("Lookup(docomo) = %+v", s)
	}
	for _, lang := range []string{"en", "ja"} {
		for _, a := range []autoconfig.Advice{autoconfig.AdviceIMAPPreferred, autoconfig.AdvicePOP3Only} {
			if a.Text(lang) == "" {
				t.Errorf("%s has no %s text", a, lang)
			}
		}
	}
	if !strings.Contains(autoconfig.AdvicePOP3Only.Text("ja"), "メールソフト") {
		t.Errorf("the Japanese POP3-only advice does not name the mail app")
	}
}

func TestPOP3OnlyDomains(t *testing.T) {
	t.Run("srv", func(t *testing.T) {
		r := &fakeResolver{srv: map[string][]*net.SRV{"pop3s/example.org": {{Target: "pop.example.net.", Port: 995}}}}
		s, err := autoconfig.Discover(context.Background(), "a@example.org", autoconfig.Options{Resolver: r, NoGuess: true,
			AutoconfigURLs: func(string, string) []string { return nil }})
		if err != nil || s.Protocol != autoconfig.ProtocolPOP3 || s.Host != "pop.example.net" || s.Port != 995 ||
			s.Advice != autoconfig.AdvicePOP3Only {
			t.Errorf("Discover() = %+v, %v; want POP3 only", s, err)
		}
	})
	t.Run("autoconfig file", func(t *testing.T) {
		const onlyPOP = `<clientConfig version="1.1"><emailProvider id="example.org"><displayName>Example</displayName>
<incomingServer type="pop3"><hostname>pop.example.org</hostname><port>110</port><socketType>STARTTLS</socketType>
<username>%EMAILLOCALPART%</username><authentication>password-cleartext</authentication></incomingServer>
<incomingServer type="pop3"><hostname>pops.example.org</hostname><port>995</port><socketType>SSL</socketType>
<username>%EMAILLOCALPART%</username><authentication>password-cleartext</authentication></incomingServer>
</emailProvider></clientConfig>`
		s, err := autoconfig.ParseConfig(strings.NewReader(onlyPOP), "a@example.org", "example.org")
		if err != nil || s.Protocol != autoconfig.ProtocolPOP3 || s.Host != "pops.example.org" || s.Security != imapconn.TLS ||
			s.User != "a" || s.Advice != autoconfig.AdvicePOP3Only {
			t.Errorf("ParseConfig(POP3 only) = %+v, %v", s, err)
		}
		both := strings.Replace(onlyPOP, `<incomingServer type="pop3"><hostname>pop.example.org`,
			`<incomingServer type="imap"><hostname>imap.example.org</hostname><port>993</port><socketType>SSL</socketType></incomingServer>
<incomingServer type="pop3"><hostname>pop.example.org`, 1)
		s, err = autoconfig.ParseConfig(strings.NewReader(both), "a@example.org", "example.org")
		if err != nil || s.Protocol != autoconfig.ProtocolIMAP || s.Host != "imap.example.org" || s.POP3 == nil ||
			s.POP3.Host != "pops.example.org" || s.Advice != autoconfig.AdviceIMAPPreferred {
			t.Errorf("ParseConfig(IMAP and POP3) = %+v, %v", s, err)
		}
	})
}
