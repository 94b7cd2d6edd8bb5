package migrate

import (
	"testing"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/folders"
)

// planMapping is tested here, inside the package: go-imap's in-memory
// server has no special-use folders and Dovecot's test accounts all share
// one layout, so servers with other names and delimiters are described.

func srcFolders(delim string, current bool, specs ...[2]string) []archive.FolderStats {
	var out []archive.FolderStats
	for i, s := range specs {
		out = append(out, archive.FolderStats{Folder: &archive.Folder{ID: int64(i + 1), Name: s[0], Role: s[1],
			Delimiter: delim, Current: current, UIDValidity: uint32(100 + i)}})
	}
	return out
}

func TestPlanMapping(t *testing.T) {
	gmailLike := destInfo{delim: "/", folders: []folders.Folder{
		{Name: "INBOX", Role: "inbox"}, {Name: "[Gmail]/Sent Mail", Role: "sent"}, {Name: "[Gmail]/Drafts", Role: "drafts"},
		{Name: "[Gmail]/Trash", Role: "trash"}, {Name: "[Gmail]/Spam", Role: "junk"}}}
	courierDest := destInfo{delim: ".", prefix: "INBOX.", folders: []folders.Folder{
		{Name: "INBOX", Role: "inbox"}, {Name: "INBOX.Sent", Role: "sent"}}}
	tests := []struct {
		name      string
		src       []archive.FolderStats
		dest      destInfo
		overrides []MappingOverride
		oldGens   bool
		want      map[string]string
	}{
		{"special use whatever the name", srcFolders("/", true,
			[2]string{"INBOX", "inbox"}, [2]string{"Sent Messages", "sent"}, [2]string{"Sent Messages/2019", ""},
			[2]string{"下書き", "drafts"}, [2]string{"ゴミ箱", "trash"}, [2]string{"迷惑メール", "junk"},
			[2]string{"取引先/株式会社ABC", ""}, [2]string{"Archive", "archive"}),
			gmailLike, nil, false, map[string]string{
				"INBOX": "INBOX", "Sent Messages": "[Gmail]/Sent Mail", "Sent Messages/2019": "[Gmail]/Sent Mail/2019",
				"下書き": "[Gmail]/Drafts", "ゴミ箱": "[Gmail]/Trash", "迷惑メール": "[Gmail]/Spam",
				"取引先/株式会社ABC": "取引先/株式会社ABC", "Archive": "Archive", // no \Archive there: by name
			}},
		{"courier source, slash destination", srcFolders(".", true,
			[2]string{"INBOX", "inbox"}, [2]string{"INBOX.Sent", "sent"}, [2]string{"INBOX.Work", ""},
			[2]string{"INBOX.Work.Clients", ""}, [2]string{"INBOX.a/b", ""}),
			gmailLike, nil, false, map[string]string{
				"INBOX": "INBOX", "INBOX.Sent": "[Gmail]/Sent Mail", "INBOX.Work": "Work",
				"INBOX.Work.Clients": "Work/Clients", "INBOX.a/b": "a_b",
			}},
		{"slash source, courier destination", srcFolders("/", true,
			[2]string{"INBOX", "inbox"}, [2]string{"Sent", "sent"}, [2]string{"Work/v1.2", ""}, [2]string{"取引先", ""}),
			courierDest, nil, false, map[string]string{
				"INBOX": "INBOX", "Sent": "INBOX.Sent", "Work/v1.2": "INBOX.Work.v1_2", "取引先": "INBOX.取引先",
			}},
		{"overrides take children along", srcFolders("/", true,
			[2]string{"INBOX", "inbox"}, [2]string{"Kunden", ""}, [2]string{"Kunden/A", ""}, [2]string{"Sent", "sent"}),
			gmailLike, []MappingOverride{{From: "Kunden", To: "Clients"}, {From: "Sent", To: "Old Sent"}}, false,
			map[string]string{"INBOX": "INBOX", "Kunden": "Clients", "Kunden/A": "Clients/A", "Sent": "Old Sent"}},
		{"older generations only when asked", append(srcFolders("/", true, [2]string{"INBOX", "inbox"}),
			archive.FolderStats{Folder: &archive.Folder{ID: 9, Name: "INBOX", Role: "inbox", Delimiter: "/", UIDValidity: 7}}),
			gmailLike, nil, false, map[string]string{"INBOX": "INBOX"}},
		{"older generations beside the current", append(srcFolders("/", true, [2]string{"Sent", "sent"}),
			archive.FolderStats{Folder: &archive.Folder{ID: 9, Name: "Sent", Role: "sent", Delimiter: "/", UIDValidity: 7}}),
			gmailLike, nil, true, map[string]string{"Sent": "[Gmail]/Sent Mail", "Sent@7": "[Gmail]/Sent Mail (uidvalidity 7)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := planMapping(tt.src, tt.dest, tt.overrides, tt.oldGens)
			if err != nil {
				t.Fatalf("planMapping() = %v", err)
			}
			got := map[string]string{}
			for _, e := range plan {
				key := e.Folder
				if !e.Current {
					key += "@7"
				}
				got[key] = e.Dest
			}
			if len(got) != len(tt.want) {
				t.Errorf("planMapping() = %v, want %v", got, tt.want)
			}
			for k, w := range tt.want {
				if got[k] != w {
					t.Errorf("%s → %q, want %q", k, got[k], w)
				}
			}
		})
	}
}

func TestParseMappingOverride(t *testing.T) {
	for _, tt := range []struct {
		in       string
		from, to string
		ok       bool
	}{
		{"Kunden=Clients", "Kunden", "Clients", true},
		{" 取引先 = Clients/取引先 ", "取引先", "Clients/取引先", true},
		{"a=b=c", "a", "b=c", true},
		{"Kunden", "", "", false},
		{"=Clients", "", "", false},
		{"Kunden=", "", "", false},
	} {
		t.Run(tt.in, func(t *testing.T) {
			o, err := ParseMappingOverride(tt.in)
			if (err == nil) != tt.ok || o.From != tt.from || o.To != tt.to {
				t.Errorf("ParseMappingOverride(%q) = %+v, %v", tt.in, o, err)
			}
		})
	}
}
