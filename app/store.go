package app

import (
	"errors"

	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/settings"
)

// Settings files and the keyring (D-Bus, which may take seconds or hang on
// a locked keyring) are read and written off the UI goroutine: the work
// runs in the background and reports back through u.do.

// storeIO runs work in the background, after the store work asked for
// before it (so a profile saved twice ends as the second save says); a
// notice it returns is shown. Call it on the UI goroutine.
func (u *ui) storeIO(work func() msg) {
	prev, done := u.storeTail, make(chan struct{})
	u.storeTail = done
	u.goBackground(func() {
		if prev != nil {
			<-prev
		}
		m := work()
		close(done)
		if !m.empty() {
			u.do(func() {
				u.notice = m
				if !u.closing {
					u.render()
				}
			})
		}
	})
}

// sessionPassword returns a password kept for this run of the app.
func (u *ui) sessionPassword(id string) (secret.Password, bool) {
	p, ok := u.session[id]
	return p, ok
}

// savedPassword returns the password to use for the account: kept for the
// session, or from the keyring. It reads the keyring: call it off the UI
// goroutine (loadSavedPassword does).
func (u *ui) savedPassword(id string) (secret.Password, error) {
	if p, ok := u.sessionPassword(id); ok {
		return p, nil
	}
	if u.store == nil {
		return secret.Password{}, settings.ErrNoPassword
	}
	return u.store.Password(id)
}

// loadSavedPassword looks up an account's password (the session's at
// once, the keyring's in the background) and hands it to use on the UI
// goroutine; an unreadable keyring of an account that remembers its
// password is said in a notice.
func (u *ui) loadSavedPassword(id string, remembered bool, use func(secret.Password)) {
	if p, ok := u.sessionPassword(id); ok {
		use(p)
		return
	}
	store := u.store
	if store == nil {
		return
	}
	u.storeIO(func() msg {
		p, err := store.Password(id)
		u.do(func() {
			switch {
			case err == nil:
				use(p)
			case remembered && errors.Is(err, settings.ErrNoKeyring):
				u.notice = say("notice.keyring-unreadable")
				if !u.closing {
					u.render()
				}
			}
		})
		return msg{}
	})
}

// saveProfile stores the old account (see saveAccount).
func (u *ui) saveProfile() { u.saveAccount(u.acct) }

// saveAccount stores an account's profile (and its password when the
// person asked) and says so when the password can only be kept for this
// session. A profile saved with no archive folder (the new account of step
// 6) keeps the one it had. The password is kept for the session at once
// and dropped from it when the keyring has it.
func (u *ui) saveAccount(a account) {
	id := a.id()
	u.session[id] = a.Password
	if u.store == nil || u.opts.Demo != nil {
		return
	}
	store := u.store
	u.storeIO(func() msg {
		var notice msg
		prev, _ := store.Account(id)
		dir := a.ArchiveDir
		if dir == "" {
			dir = prev.ArchiveDir
		}
		_, err := store.Put(settings.Account{ID: id, Email: a.Email, Host: a.Host, Port: a.Port,
			Security: a.Security.String(), CAFile: a.CAFile, User: a.User, ArchiveDir: dir,
			RememberPassword: a.Remember, LastBackup: prev.LastBackup, Protocol: a.Protocol})
		if err != nil {
			notice = say("notice.settings-unsaved", "Detail", err.Error())
		}
		if !a.Remember {
			if err := store.DeletePassword(id); err != nil && !errors.Is(err, settings.ErrNoKeyring) {
				notice = errMsg(err, "")
			}
			return notice
		}
		if err := store.SetPassword(id, a.Password); err != nil {
			return say("notice.no-keyring")
		}
		u.do(func() {
			if p, ok := u.session[id]; ok && p.Reveal() == a.Password.Reveal() {
				delete(u.session, id)
			}
		})
		return notice
	})
}

// recordBackup stores how the last backup ended in the profile.
func (u *ui) recordBackup(rec settings.BackupRecord) {
	if u.store == nil || u.opts.Demo != nil {
		return
	}
	store, id := u.store, u.acct.id()
	u.storeIO(func() msg {
		a, ok := store.Account(id)
		if !ok {
			return msg{}
		}
		a.LastBackup = &rec
		if _, err := store.Put(a); err != nil {
			return say("notice.settings-unsaved", "Detail", err.Error())
		}
		return msg{}
	})
}
