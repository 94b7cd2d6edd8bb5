package autoconfig

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/mailark/mailark/internal/imapconn"
)

// maxConfigBytes bounds an autoconfig file; real ones are a few KB.
const maxConfigBytes = 1 << 20

// clientConfig is the part of Thunderbird's config-v1.1.xml that matters here.
type clientConfig struct {
	Providers []struct {
		DisplayName string         `xml:"displayName"`
		Incoming    []serverConfig `xml:"incomingServer"`
	} `xml:"emailProvider"`
}

type serverConfig struct {
	Type           string   `xml:"type,attr"`
	Hostname       string   `xml:"hostname"`
	Port           string   `xml:"port"`
	SocketType     string   `xml:"socketType"`
	Username       string   `xml:"username"`
	Authentication []string `xml:"authentication"`
}

func fetchConfig(ctx context.Context, client *http.Client, u, email, domain string) (Settings, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Settings{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return Settings{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Settings{}, fmt.Errorf("autoconfig %s: %s", u, resp.Status)
	}
	return ParseConfig(io.LimitReader(resp.Body, maxConfigBytes), email, domain)
}

// ParseConfig reads a config-v1.1.xml and returns its best IMAP server for
// email (with its best POP3 server in POP3, and the advice to use IMAP),
// or its best POP3 server when it lists no IMAP one: implicit TLS before
// STARTTLS; servers without encryption and servers
// that only take OAuth sign-in are skipped. Placeholders (%EMAILADDRESS%,
// %EMAILLOCALPART%, %EMAILDOMAIN%) are filled in.
func ParseConfig(r io.Reader, email, domain string) (Settings, error) {
	var cfg clientConfig
	if err := xml.NewDecoder(r).Decode(&cfg); err != nil {
		return Settings{}, fmt.Errorf("autoconfig: %w", err)
	}
	local, _, _ := splitAddress(email)
	fill := strings.NewReplacer("%EMAILADDRESS%", email, "%EMAILLOCALPART%", local, "%EMAILDOMAIN%", domain)
	best, bestRank, popRank := Settings{}, 0, 0
	var pop *Settings // the best POP3 server, used only when there is no IMAP one
	for _, p := range cfg.Providers {
		for _, s := range p.Incoming {
			isPOP := strings.EqualFold(s.Type, "pop3")
			if !strings.EqualFold(s.Type, "imap") && !isPOP || !passwordAuth(s.Authentication) {
				continue
			}
			var sec imapconn.Security
			rank := 0
			switch strings.ToUpper(strings.TrimSpace(s.SocketType)) {
			case "SSL", "TLS":
				sec, rank = imapconn.TLS, 2
			case "STARTTLS":
				sec, rank = imapconn.StartTLS, 1
			default:
				continue // plain text: never offered automatically
			}
			host := strings.ToLower(strings.TrimSpace(fill.Replace(s.Hostname)))
			port, err := strconv.Atoi(strings.TrimSpace(s.Port))
			if host == "" || err != nil || port <= 0 || port > 65535 {
				continue
			}
			user := strings.TrimSpace(fill.Replace(s.Username))
			if user == "" {
				user = email
			}
			found := Settings{Host: host, Port: port, Security: sec, Protocol: ProtocolIMAP, Source: SourceAutoconfig,
				Name: strings.TrimSpace(p.DisplayName), User: user, Advice: AdviceIMAPOnly}
			if isPOP {
				if pop == nil || rank > popRank {
					found.Protocol, found.Advice = ProtocolPOP3, AdvicePOP3Only
					pop, popRank = &found, rank
				}
				continue
			}
			if rank > bestRank {
				best, bestRank = found, rank
			}
		}
	}
	switch {
	case bestRank > 0 && pop != nil:
		best.POP3 = &Server{Host: pop.Host, Port: pop.Port, Security: pop.Security}
		best.Advice = AdviceIMAPPreferred
	case bestRank == 0 && pop != nil:
		return *pop, nil
	case bestRank == 0:
		return Settings{}, errors.New("autoconfig: no encrypted IMAP or POP3 server with password sign-in")
	}
	return best, nil
}

// passwordAuth reports whether a server takes a password (no <authentication>
// element means the default, a password).
func passwordAuth(methods []string) bool {
	if len(methods) == 0 {
		return true
	}
	for _, m := range methods {
		if strings.HasPrefix(strings.TrimSpace(m), "password-") {
			return true
		}
	}
	return false
}
