package mailstore

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// thunderbirdFormat reads Thunderbird's profiles: profiles.ini names each
// profile's folder; in a profile, prefs.js names the accounts (the
// incoming server's host, login, type pop3/imap/none, and the folder its
// mail is in, usually Mail/<server>/ or ImapMail/<server>/) and their
// identities (the address). A server's folder holds one mbox file per
// folder ("Inbox", "Sent"…, next to its "Inbox.msf" index) and, for
// subfolders, a directory "Inbox.sbd/"; an account set to store mail as
// Maildir ("maildirstore") has a directory per folder with cur/ instead.
//
// Each server's folder is one Store. Flags come from X-Mozilla-Status,
// -Status2 and X-Mozilla-Keys; a message marked deleted but not yet
// compacted away is archived with \Deleted.
type thunderbirdFormat struct{}

func init() { Register(thunderbirdFormat{}) }

func (thunderbirdFormat) Kind() string { return "thunderbird" }
func (thunderbirdFormat) App() string  { return "Thunderbird" }

// thunderbirdRoots are the folders holding profiles.ini, per OS, under home.
func thunderbirdRoots(home, goos string) []string {
	switch goos {
	case "darwin":
		return []string{filepath.Join(home, "Library", "Thunderbird")}
	case "windows":
		return []string{filepath.Join(home, "AppData", "Roaming", "Thunderbird")}
	}
	return []string{filepath.Join(home, ".thunderbird"),
		filepath.Join(home, "snap", "thunderbird", "common", ".thunderbird"),
		filepath.Join(home, ".var", "app", "org.mozilla.Thunderbird", ".thunderbird"),
		filepath.Join(home, ".mozilla-thunderbird")}
}

func (f thunderbirdFormat) Find(home, goos string) ([]*Store, error) {
	var out []*Store
	var errs []error
	for _, root := range thunderbirdRoots(home, goos) {
		if !isFile(filepath.Join(root, "profiles.ini")) {
			continue
		}
		s, err := f.ProbeAll(root)
		out = append(out, s...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// Probe accepts one server's folder (Mail/<server> or ImapMail/<server>
// of a profile). ProbeAll also takes a profile or the folder holding
// profiles.ini.
func (f thunderbirdFormat) Probe(path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	parent := filepath.Base(filepath.Dir(abs))
	if !isDir(abs) || (parent != "Mail" && parent != "ImapMail") {
		return nil, nil
	}
	profile := filepath.Dir(filepath.Dir(abs))
	accts := readPrefs(profile)
	return thunderbirdStore(profile, abs, accts), nil
}

// ProbeAll returns the stores of a profile, or of every profile listed in
// the profiles.ini at path.
func (f thunderbirdFormat) ProbeAll(path string) ([]*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if s, err := f.Probe(abs); s != nil || err != nil {
		if s == nil {
			return nil, err
		}
		return []*Store{s}, err
	}
	if isFile(filepath.Join(abs, "profiles.ini")) {
		var out []*Store
		for _, p := range readProfilesINI(abs) {
			out = append(out, profileStores(p)...)
		}
		return out, nil
	}
	if isFile(filepath.Join(abs, "prefs.js")) || isDir(filepath.Join(abs, "Mail")) || isDir(filepath.Join(abs, "ImapMail")) {
		return profileStores(abs), nil
	}
	return nil, nil
}

// readProfilesINI returns the profile folders profiles.ini lists.
func readProfilesINI(root string) []string {
	f, err := os.Open(filepath.Join(root, "profiles.ini"))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	seen := map[string]bool{}
	var path string
	relative := true
	inProfile := false
	flush := func() {
		if inProfile && path != "" {
			p := filepath.FromSlash(path)
			if relative {
				p = filepath.Join(root, p)
			}
			if !seen[p] && isDir(p) {
				seen[p] = true
				out = append(out, p)
			}
		}
		path, relative, inProfile = "", true, false
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), 64<<10)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			flush()
			inProfile = strings.HasPrefix(strings.ToLower(line), "[profile")
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "Path":
			path = strings.TrimSpace(v)
		case "IsRelative":
			relative = strings.TrimSpace(v) != "0"
		}
	}
	flush()
	return out
}

// tbServer is one incoming server of prefs.js.
type tbServer struct {
	key      string // "server1"
	acct     Account
	dir      string // absolute folder of its mail
	maildir  bool
	accounts []string // the accounts using it
	deferTo  string   // deferred_to_account: the account whose folders hold its mail (Global Inbox)
	local    bool     // type "none": Local Folders
}

// readPrefs reads the accounts of a profile's prefs.js.
func readPrefs(profile string) map[string]*tbServer {
	servers := map[string]*tbServer{}
	f, err := os.Open(filepath.Join(profile, "prefs.js"))
	if err != nil {
		return servers
	}
	defer f.Close()
	prefs := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for sc.Scan() {
		k, v, ok := parsePref(sc.Text())
		if ok && (strings.HasPrefix(k, "mail.server.") || strings.HasPrefix(k, "mail.account.") ||
			strings.HasPrefix(k, "mail.identity.")) {
			prefs[k] = v
		}
	}
	srv := func(key string) *tbServer {
		if s := servers[key]; s != nil {
			return s
		}
		s := &tbServer{key: key}
		servers[key] = s
		return s
	}
	for k, v := range prefs {
		rest, ok := strings.CutPrefix(k, "mail.server.")
		if !ok {
			continue
		}
		key, field, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		s := srv(key)
		switch field {
		case "hostname":
			s.acct.Server = v
		case "userName":
			s.acct.User = v
		case "name":
			s.acct.Name = v
		case "type":
			switch v {
			case "pop3", "imap":
				s.acct.Protocol = v
			case "none":
				s.local = true
			}
		case "directory":
			if s.dir == "" {
				s.dir = v
			}
		case "directory-rel":
			if p, ok := strings.CutPrefix(v, "[ProfD]"); ok {
				s.dir = filepath.Join(profile, filepath.FromSlash(p))
			}
		case "storeContractID":
			s.maildir = strings.Contains(v, "maildir")
		case "deferred_to_account":
			s.deferTo = v
		}
	}
	// Accounts: which server, which identities (the first gives the address).
	for k, v := range prefs {
		rest, ok := strings.CutPrefix(k, "mail.account.")
		if !ok || !strings.HasSuffix(rest, ".server") {
			continue
		}
		acct := strings.TrimSuffix(rest, ".server")
		s := servers[v]
		if s == nil {
			continue
		}
		s.accounts = append(s.accounts, acct)
		ids := strings.Split(prefs["mail.account."+acct+".identities"], ",")
		if len(ids) > 0 && s.acct.Address == "" {
			s.acct.Address = prefs["mail.identity."+strings.TrimSpace(ids[0])+".useremail"]
		}
	}
	for _, s := range servers {
		if s.acct.Address == "" && strings.Contains(s.acct.User, "@") {
			s.acct.Address = s.acct.User
		}
		if s.local {
			// Its "hostname" is "Local Folders": no server.
			s.acct.Server, s.acct.User = "", ""
			if s.acct.Name == "" {
				s.acct.Name = "Local Folders"
			}
		}
	}
	// A POP account set to keep its mail in Local Folders ("Global
	// Inbox"): that folder holds the account's mail, so it takes the
	// account's address, server and protocol when it has none of its own.
	for _, s := range servers {
		if s.deferTo == "" {
			continue
		}
		target := servers[prefs["mail.account."+s.deferTo+".server"]]
		if target != nil && target != s && target.local && target.acct.Address == "" {
			name := target.acct.Name
			target.acct = s.acct
			if name != "" {
				target.acct.Name = name
			}
		}
	}
	return servers
}

// parsePref reads one line user_pref("key", value); of prefs.js.
func parsePref(line string) (key, value string, ok bool) {
	line = strings.TrimSpace(line)
	rest, found := strings.CutPrefix(line, "user_pref(")
	if !found {
		return "", "", false
	}
	key, rest, ok = jsString(strings.TrimSpace(rest))
	if !ok {
		return "", "", false
	}
	rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ","))
	if strings.HasPrefix(rest, `"`) {
		value, _, ok = jsString(rest)
		return key, value, ok
	}
	value = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(rest), ";"), ")"))
	return key, value, true
}

// jsString reads a double-quoted JavaScript string at the start of s.
func jsString(s string) (string, string, bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", s, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), s[i+1:], true
		case c == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'u':
				if i+4 < len(s) {
					if r, err := strconv.ParseUint(s[i+1:i+5], 16, 32); err == nil {
						b.WriteRune(rune(r))
						i += 4
						continue
					}
				}
				b.WriteByte('u')
			default:
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", s, false
}

// profileStores returns one Store per server folder of a profile: those
// prefs.js names, and any other folder under Mail/ and ImapMail/.
func profileStores(profile string) []*Store {
	accts := readPrefs(profile)
	var dirs []string
	seen := map[string]bool{}
	for _, s := range accts {
		if s.dir != "" && isDir(s.dir) && !seen[s.dir] {
			seen[s.dir] = true
			dirs = append(dirs, s.dir)
		}
	}
	for _, top := range []string{"Mail", "ImapMail"} {
		ents, _ := os.ReadDir(filepath.Join(profile, top))
		for _, e := range ents {
			p := filepath.Join(profile, top, e.Name())
			if e.IsDir() && !seen[p] {
				seen[p] = true
				dirs = append(dirs, p)
			}
		}
	}
	sort.Strings(dirs)
	var out []*Store
	for _, d := range dirs {
		out = append(out, thunderbirdStore(profile, d, accts))
	}
	return out
}

// thunderbirdStore describes the server folder dir of profile.
func thunderbirdStore(profile, dir string, accts map[string]*tbServer) *Store {
	s := &Store{Kind: "thunderbird", App: "Thunderbird", Path: dir}
	var match *tbServer
	for _, a := range accts {
		if a.dir == dir {
			match = a
		}
	}
	if match == nil {
		// prefs.js may hold only the absolute path the profile had on
		// the computer it came from: match by the folder's own name.
		for _, a := range accts {
			if a.dir != "" && filepath.Base(filepath.FromSlash(strings.ReplaceAll(a.dir, `\`, "/"))) == filepath.Base(dir) {
				match = a
			}
		}
	}
	if match == nil {
		// Not in prefs.js (a copied profile, an old account): the folder
		// is named for the server.
		s.Account.Server = filepath.Base(dir)
		if s.Account.Server == "Local Folders" {
			s.Account.Server = ""
			s.Account.Name = "Local Folders"
		}
		if filepath.Base(filepath.Dir(dir)) == "ImapMail" {
			s.Account.Protocol = "imap"
		}
	} else {
		s.Account = match.acct
	}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() && !strings.HasSuffix(p, ".msf") {
			s.Bytes += fi.Size()
		}
		return nil
	})
	return s
}

func (f thunderbirdFormat) Open(s *Store) (Reader, error) {
	if !isDir(s.Path) {
		return nil, errors.New(s.Path + ": not a Thunderbird mail folder")
	}
	return &tbReader{root: s.Path}, nil
}

type tbReader struct{ root string }

// tbFolder's Origin: "m:" + path for an mbox file, "d:" + path for a
// Maildir folder.
func (r *tbReader) Folders(ctx context.Context) ([]Folder, error) {
	var out []Folder
	var walk func(dir, prefix string, depth int)
	walk = func(dir, prefix string, depth int) {
		if depth > 32 {
			return
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		names := map[string]bool{}
		for _, e := range ents {
			names[e.Name()] = true
		}
		for _, e := range ents {
			n := e.Name()
			p := filepath.Join(dir, n)
			rel, _ := filepath.Rel(r.root, p)
			rel = filepath.ToSlash(rel)
			name := n
			if prefix != "" {
				name = prefix + "/" + n
			}
			switch {
			case e.IsDir() && strings.HasSuffix(n, ".sbd"):
				sub := strings.TrimSuffix(n, ".sbd")
				if prefix != "" {
					sub = prefix + "/" + sub
				}
				walk(p, sub, depth+1)
			case e.IsDir() && isDir(filepath.Join(p, "cur")):
				out = append(out, Folder{Name: name, Role: roleOf(n), Origin: "d:" + rel})
			case e.Type().IsRegular() && tbMboxFile(p, n, names):
				out = append(out, Folder{Name: name, Role: roleOf(n), Origin: "m:" + rel})
			case e.Type()&os.ModeSymlink != 0 && (names[n+".msf"] || !strings.Contains(n, ".")):
				// Listed, so that reading it gives its error.
				out = append(out, Folder{Name: name, Role: roleOf(n), Origin: "m:" + rel})
			}
		}
	}
	walk(r.root, "", 0)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// tbMboxFile reports whether a file of a server folder is a mail folder:
// it has an index next to it (.msf), or it is an mbox file, or it has no
// extension and is empty. popstate.dat, msgFilterRules.dat, filterlog.html
// and the .msf files are not; a folder whose index is gone still is.
func tbMboxFile(path, name string, siblings map[string]bool) bool {
	if strings.HasSuffix(name, ".msf") || strings.HasPrefix(name, ".") {
		return false
	}
	if siblings[name+".msf"] || startsWith(path, fromLine) {
		return true
	}
	fi, err := os.Lstat(path)
	return err == nil && fi.Size() == 0 && !strings.Contains(name, ".")
}

func (r *tbReader) Messages(ctx context.Context, f Folder, fn func(*Message) error) error {
	switch {
	case strings.HasPrefix(f.Origin, "m:"):
		rel := f.Origin[2:]
		err := mboxFolderMessages(ctx, filepath.Join(r.root, filepath.FromSlash(rel)), rel, fn)
		if errors.Is(err, errNotMbox) {
			return errors.New(rel + ": " + err.Error())
		}
		return err
	case strings.HasPrefix(f.Origin, "d:"):
		return maildirMessages(ctx, r.root, f.Origin[2:], true, fn)
	}
	return errors.New("mailstore: not a Thunderbird folder: " + f.Origin)
}

func (r *tbReader) Close() error { return nil }
