package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/secret"
)

// errBadFlag is in the chain of an error in a flag's value (badFlag): the
// command line was wrong (exit 2).
var errBadFlag = errors.New("bad flag value")

// badFlag says what is wrong with a flag's value.
type badFlag string

func (b badFlag) Error() string        { return string(b) }
func (b badFlag) Is(target error) bool { return target == errBadFlag }

// connFlags are the connection flags shared by backup, verify and migrate
// (migrate's destination uses the same with a "to-" prefix).
type connFlags struct {
	prefix, envVar                    string
	host, security, caFile, user, pwf string
	port                              int
	allowInsecure                     bool
}

func addConnFlags(fs *flag.FlagSet, prefix, envVar string) *connFlags {
	c := &connFlags{prefix: prefix, envVar: envVar}
	example := "imap.old-isp.example"
	if prefix != "" {
		example = "imap.new-isp.example"
	}
	fs.StringVar(&c.host, prefix+"host", "", "IMAP server host name, e.g. "+example)
	fs.IntVar(&c.port, prefix+"port", 0, "port (default 993 for tls, 143 for starttls and plain)")
	fs.StringVar(&c.security, prefix+"security", "tls", "tls, starttls or plain (plain only to this machine unless --"+prefix+"allow-insecure)")
	fs.StringVar(&c.caFile, prefix+"ca-file", "", "PEM file of a certificate to trust, for a server with a self-signed certificate")
	fs.StringVar(&c.user, prefix+"user", "", "user name, usually the email address")
	fs.StringVar(&c.pwf, prefix+"password-file", "", "read the password from the first line of this file (keep it private: chmod 600)")
	fs.BoolVar(&c.allowInsecure, prefix+"allow-insecure", false, "allow plain text (unencrypted password) to a host that is not this machine")
	return c
}

// protocolFlags are --protocol and --auth, for the commands that reach
// an IMAP server or a POP3 mailbox with the connection flags.
type protocolFlags struct{ protocol, auth string }

func addProtocolFlags(fs *flag.FlagSet, help string) *protocolFlags {
	p := &protocolFlags{}
	fs.StringVar(&p.protocol, "protocol", "imap", help)
	fs.StringVar(&p.auth, "auth", "auto", "pop3 only: how to log in: auto, user, apop or plain")
	return p
}

// pop reports whether --protocol names POP3; ok is false, the usage error
// printed, when it names neither IMAP nor POP3.
func (p *protocolFlags) pop(fs *flag.FlagSet) (isPOP, ok bool) {
	switch strings.ToLower(p.protocol) {
	case "imap":
		return false, true
	case "pop3", "pop":
		return true, true
	}
	fmt.Fprintf(fs.Output(), "mailark %s: unknown --protocol %q: use imap or pop3\n", fs.Name(), p.protocol)
	return false, false
}

// config builds the connection config, reading the password from the
// environment variable, the password file or the terminal, in that order.
func (c *connFlags) config(env *Env) (imapconn.Config, error) {
	var cfg imapconn.Config
	if c.host == "" {
		return cfg, mailerr.New(mailerr.BadInput, "flags", "", fmt.Errorf("--%shost is required", c.prefix))
	}
	if c.user == "" {
		return cfg, mailerr.New(mailerr.BadInput, "flags", "", fmt.Errorf("--%suser is required", c.prefix))
	}
	if c.port < 0 || c.port > 65535 {
		return cfg, mailerr.New(mailerr.BadInput, "flags", "",
			badFlag(fmt.Sprintf("--%sport %d is not a port (1 to 65535; IMAP uses 993 with tls, 143 with starttls)", c.prefix, c.port)))
	}
	sec, err := imapconn.ParseSecurity(c.security)
	if err != nil {
		return cfg, err
	}
	cfg = imapconn.Config{Host: c.host, Port: c.port, Security: sec, CAFile: c.caFile,
		AllowInsecure: c.allowInsecure, User: c.user}
	if sec == imapconn.Plain && !c.allowInsecure && !imapconn.IsLoopback(c.host) {
		return cfg, mailerr.New(mailerr.InsecureRefused, "flags", c.host,
			errors.New("plain text to another machine would send the password unencrypted"))
	}
	cfg.Password, err = c.password(env)
	return cfg, err
}

func (c *connFlags) password(env *Env) (secret.Password, error) {
	if v := env.Getenv(c.envVar); v != "" {
		// Child processes must not inherit it.
		_ = env.Unsetenv(c.envVar)
		return secret.New(v), nil
	}
	if c.pwf != "" {
		f, err := os.Open(c.pwf)
		if err != nil {
			return secret.Password{}, mailerr.New(mailerr.BadInput, "read password file", c.pwf, err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().Perm()&0o077 != 0 {
			fmt.Fprintf(env.Stderr, "mailark: warning: %s can be read by other users (mode %v); chmod 600 it\n", safe(c.pwf), st.Mode().Perm())
		}
		line, err := bufio.NewReader(f).ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if err == nil {
				err = errors.New("the first line is empty")
			}
			return secret.Password{}, mailerr.New(mailerr.BadInput, "read password file", c.pwf, err)
		}
		return secret.New(line), nil
	}
	if env.IsTerminal(int(os.Stdin.Fd())) {
		p, err := env.ReadPassword(fmt.Sprintf("Password for %s on %s: ", safe(c.user), safe(c.host)))
		if err != nil {
			return secret.Password{}, mailerr.New(mailerr.BadInput, "read password", "", err)
		}
		if p == "" {
			return secret.Password{}, mailerr.New(mailerr.BadInput, "read password", "", errors.New("no password typed"))
		}
		return secret.New(p), nil
	}
	return secret.Password{}, mailerr.New(mailerr.BadInput, "read password", "",
		fmt.Errorf("no password: set %s, use --%spassword-file, or run in a terminal to be asked", c.envVar, c.prefix))
}

func isTerminal(fd int) bool { return term.IsTerminal(fd) }

func readPassword(prompt string) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", err
	}
	defer tty.Close()
	fmt.Fprint(tty, prompt)
	b, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	return string(b), err
}
