package migrate

import "errors"

// Errors of the announcement's input. They say what is missing; the
// front-ends say how to give it (a flag, a field of the window).
var (
	// ErrNoNewAddress: no new address to announce.
	ErrNoNewAddress = errors.New("no new address given")
	// ErrNoDraftsPlace: neither the new account nor a folder for the drafts.
	ErrNoDraftsPlace = errors.New("no place for the drafts: neither the new account nor a folder")
	// ErrNoOldAddress: the archive's login is not an address, and no old
	// address was given.
	ErrNoOldAddress = errors.New("the old address is not known")
	// ErrNoContacts: no one was chosen to tell.
	ErrNoContacts = errors.New("no one to tell: no contacts chosen")
)

// Errors of a folder mapping; the front-ends say how to write one.
var (
	// ErrBadMapping: a mapping is not written OLD=NEW.
	ErrBadMapping = errors.New("a folder mapping is written OLD=NEW")
	// ErrNoSuchFolder: a mapping names a folder the archive does not hold.
	ErrNoSuchFolder = errors.New("no such folder in the archive")
)
