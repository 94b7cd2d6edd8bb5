package app

import (
	"testing"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/secret"
)

// Saving a profile and its password (a settings file, the keyring over
// D-Bus) happens off the UI goroutine: saveAccount returns while that work
// still waits, the password is usable for the session meanwhile, and the
// work lands afterwards.
func TestSaveAccountLeavesUIGoroutine(t *testing.T) {
	u := newTestUI(t, newFakes())
	held := make(chan struct{})
	u.storeTail = held // store work queues behind this until it is closed

	u.saveAccount(account{Email: "hanako@gmail.com", Host: "imap.gmail.com", Security: imapconn.TLS,
		Password: secret.New("pw"), Remember: true, ArchiveDir: "/x"})
	if _, ok := u.store.Account("hanako@gmail.com"); ok {
		t.Fatal("saveAccount wrote the settings on the UI goroutine")
	}
	if p, ok := u.sessionPassword("hanako@gmail.com"); !ok || p.Reveal() != "pw" {
		t.Error("the password is not usable while it is being saved")
	}

	close(held)
	u.waitBackground()
	if a, ok := u.store.Account("hanako@gmail.com"); !ok || a.ArchiveDir != "/x" {
		t.Errorf("saved profile = %+v, %v", a, ok)
	}
	if p, err := u.store.Password("hanako@gmail.com"); err != nil || p.Reveal() != "pw" {
		t.Errorf("keyring password = %v, %v", p, err)
	}
	if _, ok := u.sessionPassword("hanako@gmail.com"); ok {
		t.Error("the password stays in the session after the keyring took it")
	}
}
