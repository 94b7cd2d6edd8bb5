package mailstore

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestOutlookListed(t *testing.T) {
	home := t.TempDir()
	writeFile(t, filepath.Join(home, "Documents", "Outlook Files", "hanako@example.ne.jp.pst"), append([]byte("!BDN"), make([]byte, 1000)...))
	writeFile(t, filepath.Join(home, "AppData", "Local", "Microsoft", "Outlook", "taro@example.com.ost"), []byte("!BDN...."))
	writeFile(t, filepath.Join(home, "AppData", "Local", "Microsoft", "Outlook", "Outlook.pst"), []byte("junk"))
	writeFile(t, filepath.Join(home, "AppData", "Local", "Microsoft", "Outlook", "notes.txt"), []byte("x"))
	before := treeState(t, home)
	f := Lookup(KindOutlook)
	stores, err := f.Find(home, "windows")
	if err != nil || len(stores) != 3 {
		t.Fatalf("Find = %v, %v", stores, err)
	}
	for _, s := range stores {
		if !strings.HasPrefix(s.NotRead, "Outlook's own data file is not read yet: ") && !strings.Contains(s.NotRead, "does not start like") {
			t.Errorf("%s NotRead = %q", s.Path, s.NotRead)
		}
		if _, err := f.Open(s); err == nil {
			t.Errorf("Open(%s) succeeded", s.Path)
		}
	}
	if s := stores[1]; s.Account.Address != "taro@example.com" || s.Account.Protocol != "imap" {
		t.Errorf("ost store = %+v", s)
	}
	if s := stores[2]; s.Account.Address != "hanako@example.ne.jp" || s.Bytes != 1004 {
		t.Errorf("pst store = %+v", s)
	}
	if s := stores[0]; !strings.Contains(s.NotRead, "does not start like an Outlook data file") {
		t.Errorf("junk pst = %+v", s)
	}
	checkUnchanged(t, home, before)
}

// FuzzPST lists any file named like an Outlook data file: never a panic,
// always NotRead. Seeds are in testdata/fuzz/FuzzPST.
func FuzzPST(f *testing.F) {
	f.Add("a@b.example.pst", []byte("!BDN"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		name = strings.Map(func(r rune) rune {
			if r == '/' || r == 0 || r == '\\' {
				return '_'
			}
			return r
		}, name)
		if len(name) > 200 || name == "" || name == "." || name == ".." {
			return
		}
		p := filepath.Join(t.TempDir(), name+".pst")
		writeFile(t, p, data)
		s, _ := Lookup(KindOutlook).Probe(p)
		if s == nil || s.NotRead == "" {
			t.Fatalf("Probe(%q) = %+v", p, s)
		}
	})
}
