package migrate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/folders"
	"github.com/mailark/mailark/internal/mailerr"
)

// MappingOverride sends an archive folder, and the folders under it, to a
// destination folder of the user's choice (the CLI's --map 'Old=New'). From
// is the archive's folder name as Mailark shows it; To is written with the
// destination's hierarchy delimiter.
type MappingOverride struct{ From, To string }

// ParseMappingOverride reads "Old=New" (split at the first "=").
func ParseMappingOverride(s string) (MappingOverride, error) {
	from, to, ok := strings.Cut(s, "=")
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	if !ok || from == "" || to == "" {
		return MappingOverride{}, mailerr.New(mailerr.BadInput, "parse mapping", s,
			fmt.Errorf("%w, for example Kunden=Clients (got %q)", ErrBadMapping, s))
	}
	return MappingOverride{From: from, To: to}, nil
}

// MappingEntry says where one archive folder generation goes.
type MappingEntry struct {
	FolderID    int64  `json:"-"`
	Folder      string `json:"folder"` // archive folder, decoded
	UIDValidity uint32 `json:"uidvalidity"`
	Current     bool   `json:"current"`
	Role        string `json:"role,omitempty"`
	Dest        string `json:"dest"` // destination folder, decoded
	Why         string `json:"why"`  // English: "special use \Sent", "--map Old=New", "same name", ...
	Exists      bool   `json:"exists"`
	Messages    int64  `json:"messages"`
	Bytes       int64  `json:"bytes"`
}

// destInfo is what the destination says of its folders.
type destInfo struct {
	delim   string // hierarchy delimiter, "" when flat (LIST "" "")
	prefix  string // personal namespace prefix, e.g. "INBOX." on Courier
	folders []folders.Folder
}

// mappedRoles are the special uses a folder keeps on the destination.
var mappedRoles = map[string]string{
	"sent": `\Sent`, "drafts": `\Drafts`, "trash": `\Trash`, "junk": `\Junk`, "archive": `\Archive`,
}

// planMapping decides where every archive folder goes: INBOX to INBOX; a
// folder with a special use to the destination's folder of that use, whatever
// its name; an override to its target; any other folder to the same name,
// split at the archive's delimiter and joined with the destination's, under
// its parent's destination when the parent moved. Older generations go only
// with oldGens, beside the current one as "NAME (uidvalidity N)".
func planMapping(src []archive.FolderStats, d destInfo, overrides []MappingOverride, oldGens bool) ([]MappingEntry, error) {
	byRole := map[string]string{}
	exists := map[string]bool{"INBOX": true}
	for _, f := range d.folders {
		exists[f.Name] = true
		if _, ok := mappedRoles[f.Role]; ok && byRole[f.Role] == "" {
			byRole[f.Role] = f.Name
		}
	}
	known := map[string]*archive.Folder{}
	for _, s := range src {
		if s.Folder.Current {
			known[s.Folder.Name] = s.Folder
		}
	}
	for _, o := range overrides {
		if !coveredBy(known, o.From) {
			return nil, mailerr.New(mailerr.BadInput, "map folders", o.From,
				fmt.Errorf("%w: %q", ErrNoSuchFolder, o.From))
		}
	}
	strip := courierStyle(src)
	// subst: archive folder → destination, for folders whose children follow.
	subst := map[string]string{}
	why := map[string]string{}
	for _, o := range overrides {
		subst[o.From], why[o.From] = o.To, "--map "+o.From+"="+o.To
	}
	for name, f := range known {
		if _, ok := subst[name]; ok {
			continue
		}
		if dest := byRole[f.Role]; dest != "" {
			subst[name], why[name] = dest, "special use "+mappedRoles[f.Role]
		}
	}
	// A mail app's folder of a special use (its Sent, imported from the
	// app's store) goes where the server's folder of that use goes, as
	// its Inbox goes to INBOX: not into a folder named after the store.
	serverRole := map[string]*archive.Folder{}
	for _, f := range known {
		if f.SourceID == 0 && mappedRoles[f.Role] != "" {
			if have := serverRole[f.Role]; have == nil || f.Name < have.Name {
				serverRole[f.Role] = f
			}
		}
	}
	for name, f := range known {
		if _, ok := subst[name]; ok || f.SourceID == 0 || mappedRoles[f.Role] == "" {
			continue
		}
		if sf := serverRole[f.Role]; sf != nil {
			dest, w := mapName(sf, d, subst, why, strip)
			subst[name], why[name] = dest, "the account's "+f.Role+" folder ("+w+")"
		} else {
			dest := strings.ToUpper(f.Role[:1]) + f.Role[1:] // "Sent", as the apps name it
			subst[name], why[name] = dest, "the account's "+f.Role+" folder"
		}
	}
	var out []MappingEntry
	for _, s := range src {
		f := s.Folder
		if !f.Current && !oldGens {
			continue
		}
		e := MappingEntry{FolderID: f.ID, Folder: f.Name, UIDValidity: f.UIDValidity, Current: f.Current,
			Role: f.Role, Messages: s.Messages, Bytes: s.Bytes}
		e.Dest, e.Why = mapName(f, d, subst, why, strip)
		if !f.Current {
			e.Dest = fmt.Sprintf("%s (uidvalidity %d)", e.Dest, f.UIDValidity)
			e.Why = "older generation, beside " + e.Why
		}
		e.Exists = exists[e.Dest]
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Current != out[j].Current {
			return out[i].Current
		}
		return folders.Less(out[i].Role, out[i].Folder, out[j].Role, out[j].Folder)
	})
	return out, nil
}

// mapName gives one folder's destination name and the reason.
func mapName(f *archive.Folder, d destInfo, subst, why map[string]string, strip bool) (string, string) {
	if f.Role == "inbox" && subst[f.Name] == "" {
		return "INBOX", "INBOX"
	}
	parts := []string{f.Name}
	if f.Delimiter != "" {
		parts = strings.Split(f.Name, f.Delimiter)
	}
	// The longest ancestor (or the folder itself) that moved takes its
	// children along.
	for n := len(parts); n >= 1; n-- {
		anc := strings.Join(parts[:n], f.Delimiter)
		if dest, ok := subst[anc]; ok {
			if n == len(parts) {
				return dest, why[anc]
			}
			return joinDest(d, dest, parts[n:]), "under " + dest + " (" + why[anc] + ")"
		}
	}
	reason := "same name"
	if strip && len(parts) > 1 && strings.EqualFold(parts[0], "INBOX") {
		parts, reason = parts[1:], "same name, without the old server's INBOX"+f.Delimiter+" prefix"
	}
	name := joinDest(d, "", parts)
	if d.prefix != "" && !strings.HasPrefix(name, d.prefix) {
		name = d.prefix + name
	}
	return name, reason
}

// joinDest appends name parts to base with the destination's delimiter. A
// delimiter inside a part (a name with "/" from a server that used ".")
// becomes "_", so that it does not make a level of its own.
func joinDest(d destInfo, base string, parts []string) string {
	delim := d.delim
	if delim == "" {
		delim = "/" // a flat server: any character is part of the name
	}
	out := base
	for _, p := range parts {
		if d.delim != "" {
			p = strings.ReplaceAll(p, d.delim, "_")
		}
		if out != "" {
			out += delim
		}
		out += p
	}
	return out
}

// courierStyle reports whether every folder of the old account but INBOX
// was under INBOX (Courier, Cyrus: "INBOX.Sent"); then the prefix is the old
// server's convention, not the user's, and is left out.
func courierStyle(src []archive.FolderStats) bool {
	n := 0
	for _, s := range src {
		f := s.Folder
		if !f.Current || strings.EqualFold(f.Name, "INBOX") {
			continue
		}
		if f.Delimiter == "" || !strings.HasPrefix(strings.ToUpper(f.Name), "INBOX"+f.Delimiter) {
			return false
		}
		n++
	}
	return n > 0
}

// coveredBy reports whether name is an archive folder or the parent of one.
func coveredBy(known map[string]*archive.Folder, name string) bool {
	if known[name] != nil {
		return true
	}
	for n, f := range known {
		if f.Delimiter != "" && strings.HasPrefix(n, name+f.Delimiter) {
			return true
		}
	}
	return false
}
