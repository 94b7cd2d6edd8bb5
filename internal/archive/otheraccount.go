package archive

import (
	"errors"
	"fmt"
)

// ErrOtherAccount is in the chain of an error that refuses to use an
// archive for an account other than the one it holds (see
// OtherAccountError).
var ErrOtherAccount = errors.New("the archive holds another account")

// OtherAccountError says which account the archive holds and which was
// given. The same server reached by another name (127.0.0.1 and localhost)
// is refused too, since nothing here can tell; the front-ends say how to
// confirm that it is the same account.
type OtherAccountError struct {
	Held            Account
	GivenUser, Host string
}

func (e *OtherAccountError) Error() string {
	return fmt.Sprintf("this archive holds %s on %s, not %s on %s", e.Held.User, e.Held.Host, e.GivenUser, e.Host)
}

// Is makes errors.Is(err, ErrOtherAccount) true.
func (e *OtherAccountError) Is(target error) bool { return target == ErrOtherAccount }
