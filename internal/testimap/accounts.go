package testimap

import (
	"fmt"

	"github.com/mailark/mailark/internal/demo"
)

// ManyAccounts makes n accounts with messages messages each in INBOX,
// taken in turn from all the demo account's mail (account i starts 7
// messages further on); account i's user is fmt.Sprintf(user, i), its
// password fmt.Sprintf(password, i).
func ManyAccounts(n, messages int, user, password string) []*demo.Account {
	var pool []demo.Message
	for _, f := range demo.OldProvider().Folders {
		pool = append(pool, f.Messages...)
	}
	accts := make([]*demo.Account, n)
	for i := range accts {
		f := demo.Folder{Name: "INBOX"}
		for j := range messages {
			f.Messages = append(f.Messages, pool[(i*7+j)%len(pool)])
		}
		accts[i] = &demo.Account{User: fmt.Sprintf(user, i), Password: fmt.Sprintf(password, i), Folders: []demo.Folder{f}}
	}
	return accts
}
