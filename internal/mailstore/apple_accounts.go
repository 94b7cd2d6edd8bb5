package mailstore

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"howett.net/plist"
	_ "modernc.org/sqlite" // Apple's Accounts4.sqlite, read-only
)

// appleAccountIndex maps Apple Mail's account folders to what the Mac's
// settings say of them.
type appleAccountIndex struct {
	byDir map[string]Account // folder name → account
}

// appleAccounts reads V*/MailData/Accounts.plist under mail and
// home/Library/Accounts/Accounts4.sqlite. What cannot be read is left out:
// the account folder's own name still says something (lookup).
func appleAccounts(home, mail string) appleAccountIndex {
	idx := appleAccountIndex{byDir: map[string]Account{}}
	vs, _ := filepath.Glob(filepath.Join(mail, "V*", "MailData", "Accounts.plist"))
	for _, p := range vs {
		idx.readAccountsPlist(p)
	}
	idx.readAccounts4(filepath.Join(home, "Library", "Accounts", "Accounts4.sqlite"))
	return idx
}

// lookup returns the account of the folder dir (named name).
func (idx appleAccountIndex) lookup(dir, name string) Account {
	if a, ok := idx.byDir[name]; ok {
		return a
	}
	return appleAccountFromDirName(name)
}

// appleAccountFromDirName reads V2's folder names: "POP-user@host",
// "IMAP-user@host" (the user may hold an "@" itself), "Mailboxes".
func appleAccountFromDirName(name string) Account {
	if name == "Mailboxes" {
		return Account{Name: "On My Mac"}
	}
	kind, rest, ok := strings.Cut(name, "-")
	if !ok {
		return Account{Name: name}
	}
	proto := ""
	switch strings.ToUpper(kind) {
	case "POP":
		proto = "pop3"
	case "IMAP":
		proto = "imap"
	default:
		return Account{Name: name}
	}
	a := Account{Name: name, Protocol: proto}
	if at := strings.LastIndexByte(rest, '@'); at > 0 {
		a.User, a.Server = rest[:at], rest[at+1:]
		if strings.Contains(a.User, "@") {
			a.Address = a.User
		}
	}
	return a
}

type applePlistAccount struct {
	AccountType    string   `plist:"AccountType"`
	AccountName    string   `plist:"AccountName"`
	AccountPath    string   `plist:"AccountPath"`
	EmailAddresses []string `plist:"EmailAddresses"`
	Hostname       string   `plist:"Hostname"`
	Username       string   `plist:"Username"`
	UniqueID       string   `plist:"uniqueId"`
}

func (idx appleAccountIndex) readAccountsPlist(path string) {
	b, err := readStoreFile(path, path, 16<<20)
	if err != nil {
		return
	}
	var doc struct {
		MailAccounts []applePlistAccount `plist:"MailAccounts"`
	}
	func() {
		defer func() { recover() }()
		if _, err := plist.Unmarshal(b, &doc); err != nil {
			doc.MailAccounts = nil
		}
	}()
	for _, pa := range doc.MailAccounts {
		a := Account{Name: pa.AccountName, User: pa.Username, Server: pa.Hostname}
		if len(pa.EmailAddresses) > 0 {
			a.Address = pa.EmailAddresses[0]
		}
		switch pa.AccountType {
		case "POPAccount":
			a.Protocol = "pop3"
		case "IMAPAccount", "iToolsAccount", "GmailAccount":
			a.Protocol = "imap"
		case "LocalAccount":
			if a.Name == "" {
				a.Name = "On My Mac"
			}
		}
		if pa.AccountPath != "" {
			idx.byDir[filepath.Base(filepath.FromSlash(pa.AccountPath))] = a
		}
		if pa.UniqueID != "" {
			idx.byDir[pa.UniqueID] = a
		}
	}
}

// readAccounts4 reads macOS's Internet Accounts database, whose account
// identifiers name Apple Mail's account folders from V3 on. It is opened
// read-only and immutable: nothing is written, not even a lock.
func (idx appleAccountIndex) readAccounts4(path string) {
	if !isFile(path) {
		return
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: "mode=ro&immutable=1"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, `SELECT a.Z_PK, COALESCE(a.ZIDENTIFIER, ''), COALESCE(a.ZUSERNAME, ''),
		COALESCE(a.ZACCOUNTDESCRIPTION, ''), COALESCE(t.ZIDENTIFIER, '')
		FROM ZACCOUNT a LEFT JOIN ZACCOUNTTYPE t ON a.ZACCOUNTTYPE = t.Z_PK`)
	if err != nil {
		return
	}
	type row struct {
		pk             int64
		id, user, desc string
		typ            string
	}
	var all []row
	for rows.Next() {
		var r row
		if rows.Scan(&r.pk, &r.id, &r.user, &r.desc, &r.typ) == nil && r.id != "" {
			all = append(all, r)
		}
	}
	rows.Close()
	for _, r := range all {
		a := Account{Name: r.desc, User: r.user}
		switch t := strings.ToLower(r.typ); {
		case strings.HasSuffix(t, ".pop"):
			a.Protocol = "pop3"
		case strings.HasSuffix(t, ".imap"):
			a.Protocol = "imap"
		}
		if strings.Contains(r.user, "@") {
			a.Address = r.user
		}
		a.Server = accounts4Property(ctx, db, r.pk, "Hostname", "hostname", "ServerHostname")
		if addr := accounts4Property(ctx, db, r.pk, "EmailAddress", "IdentityEmailAddress"); addr != "" {
			a.Address = addr
		}
		idx.byDir[r.id] = a
	}
}

// accounts4Property returns a string property of an account (a plist in
// ZACCOUNTPROPERTY.ZVALUE), "" when there is none.
func accounts4Property(ctx context.Context, db *sql.DB, owner int64, keys ...string) string {
	for _, k := range keys {
		var v []byte
		if db.QueryRowContext(ctx, `SELECT ZVALUE FROM ZACCOUNTPROPERTY WHERE ZOWNER = ? AND ZKEY = ?`, owner, k).Scan(&v) != nil {
			continue
		}
		if s := plistString(v); s != "" {
			return s
		}
	}
	return ""
}

// plistString reads a string stored as a plist, plain or archived by
// NSKeyedArchiver (the first string among its objects).
func plistString(b []byte) (s string) {
	defer func() {
		if recover() != nil {
			s = ""
		}
	}()
	var v any
	if _, err := plist.Unmarshal(b, &v); err != nil {
		if len(b) < 256 && !strings.ContainsAny(string(b), "\x00") {
			return string(b) // stored as text
		}
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if objs, ok := x["$objects"].([]any); ok {
			for _, o := range objs {
				if str, ok := o.(string); ok && str != "$null" {
					return str
				}
			}
		}
	}
	return ""
}
