package backup

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mailark/mailark/internal/folders"
	"github.com/mailark/mailark/internal/mailerr"
)

// ErrNoSuchFolder is in the chain of the error of a run asked for a folder
// the server does not have (Options.Folders). Nothing was backed up.
var ErrNoSuchFolder = errors.New("no such folder on the server")

// selectFolders keeps the folders of list named in names. A name matches
// exactly; INBOX matches in any case (RFC 3501: "INBOX" is case-
// insensitive), as the server itself treats it. A name that matches no
// folder is an error naming the folders there are.
func selectFolders(list []folders.Folder, names []string, host string) ([]folders.Folder, error) {
	if len(names) == 0 {
		return list, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		if strings.EqualFold(n, "INBOX") {
			n = "INBOX"
		}
		want[n] = true
	}
	var out []folders.Folder
	for _, f := range list {
		name := f.Name
		if strings.EqualFold(name, "INBOX") {
			name = "INBOX"
		}
		if want[name] {
			out = append(out, f)
			delete(want, name)
		}
	}
	if len(want) == 0 {
		return out, nil
	}
	var missing []string
	for _, n := range names {
		if strings.EqualFold(n, "INBOX") {
			n = "INBOX"
		}
		if want[n] {
			missing = append(missing, fmt.Sprintf("%q", n))
			delete(want, n)
		}
	}
	have := make([]string, 0, len(list))
	for _, f := range list {
		have = append(have, f.Name)
	}
	return nil, mailerr.New(mailerr.BadInput, "choose folders", host,
		fmt.Errorf("%w: %s; the folders on %s are: %s", ErrNoSuchFolder, strings.Join(missing, ", "), host, strings.Join(have, ", ")))
}
