package archive

import (
	"context"
	"strconv"
)

// Account is the account an archive holds, as the first backup recorded it
// (meta account_user, account_host, account_port, account_security).
type Account struct {
	User     string // the login, usually the email address; "" before the first backup
	Host     string
	Port     int    // 0 when not recorded
	Security string // "tls", "starttls" or "plain"
}

// Account returns the account the archive holds; the zero Account before the
// first backup.
func (a *Archive) Account(ctx context.Context) (Account, error) {
	var acct Account
	for key, dst := range map[string]*string{"account_user": &acct.User, "account_host": &acct.Host, "account_security": &acct.Security} {
		v, err := a.Meta(ctx, key)
		if err != nil {
			return Account{}, err
		}
		*dst = v
	}
	port, err := a.Meta(ctx, "account_port")
	if err != nil {
		return Account{}, err
	}
	if port != "" {
		acct.Port, _ = strconv.Atoi(port) // a port that is not a number is not recorded
	}
	return acct, nil
}

// SetAccount records the account the archive holds.
func (a *Archive) SetAccount(ctx context.Context, acct Account) error {
	return a.SetMeta(ctx, map[string]string{
		"account_user": acct.User, "account_host": acct.Host,
		"account_port": strconv.Itoa(acct.Port), "account_security": acct.Security,
	})
}
