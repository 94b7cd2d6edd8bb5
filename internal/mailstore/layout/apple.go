package layout

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// AppleFolder is one mailbox of an Apple Mail account: Name uses "/"
// between levels; Msgs are the messages as the app holds them.
type AppleFolder struct {
	Name string
	Msgs [][]byte
	// Date gives message i's date received (default: spread over
	// 2004–2026).
	Date func(i int) time.Time
}

// AppleMail writes an Apple Mail V10 account under home
// (Library/Mail/V10/<account>/<name>.mbox/<store>/Data/…/Messages/N.emlx,
// 1000 messages to a Data subfolder as the app spreads them), each .emlx a
// byte-count line, the message and its property list (date received,
// read), and returns the account's folder.
func AppleMail(home string, folders []AppleFolder) (string, error) {
	acct := filepath.Join(home, "Library", "Mail", "V10", "1A2B3C4D-0000-4000-8000-ABCDEF012345")
	n := 0
	for _, f := range folders {
		mbox := acct
		for _, part := range strings.Split(f.Name, "/") {
			mbox = filepath.Join(mbox, part+".mbox")
		}
		data := filepath.Join(mbox, "9F9F9F9F-1111-4111-8111-111111111111", "Data")
		date := f.Date
		if date == nil {
			date = Year(2004, 2026)
		}
		for i, m := range f.Msgs {
			n++
			dir := filepath.Join(data, fmt.Sprint(n/1000%10), fmt.Sprint(n/10000%10), "Messages")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return "", err
			}
			b := make([]byte, 0, len(m)+400)
			b = append(b, fmt.Sprintf("%-10d\n", len(m))...)
			b = append(b, m...)
			b = append(b, fmt.Sprintf(applePlist, date(i).Unix())...)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.emlx", n)), b, 0o644); err != nil {
				return "", err
			}
		}
	}
	return acct, nil
}

const applePlist = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>date-received</key>
	<integer>%d</integer>
	<key>flags</key>
	<integer>8590195713</integer>
</dict>
</plist>
`
