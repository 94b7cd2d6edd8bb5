// Package autoconfig finds the IMAP server settings for an email address, so
// that a person only types the address and the password.
//
// IMAP is preferred wherever the account has it: it sees every folder and
// everything the server keeps, while POP3 sees only the inbox. A provider's
// POP3 server, when known, comes along in Settings.POP3 with
// AdviceIMAPPreferred saying so; where a domain publishes only POP3 (SRV
// _pop3s/_pop3, or an autoconfig file without IMAP), Settings name the POP3
// server (Protocol pop3) and AdvicePOP3Only says what that means: the old
// mail may be only in the person's mail app.
//
// Discover tries, in order, and stops at the first answer:
//
//  1. a built-in table of providers (table.go): the large Japanese ISPs and
//     carriers and the global webmail providers, with what each needs besides
//     the password (an app password, IMAP switched on in the web settings, a
//     login that is not the address);
//  2. DNS SRV records, RFC 6186: _imaps._tcp.DOMAIN (implicit TLS), then
//     _imap._tcp.DOMAIN (STARTTLS); a target of "." means "no IMAP here";
//  3. the provider's autoconfig file (the Thunderbird format,
//     config-v1.1.xml) from https://autoconfig.DOMAIN/mail/... and
//     https://DOMAIN/.well-known/autoconfig/mail/..., then Thunderbird's
//     public ISPDB;
//  4. the MX records: a domain whose mail is handled by Google or Microsoft
//     gets their settings;
//  5. a guess, imap.DOMAIN on 993 with TLS, marked as a guess.
//
// Only HTTPS is used for autoconfig files, and a file's answer is used only
// when it names IMAP with TLS or STARTTLS. The resolver, the HTTP client and
// the URLs are injectable (Options) so tests never touch the network.
package autoconfig
