package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"path/filepath"

	"github.com/mailark/mailark/internal/mailerr"
)

// Address books kept in SQLite: Apple Contacts and Thunderbird. Each is
// opened read-only and immutable (no lock, no journal, nothing written),
// so a book the app has open is read as it is on disk.

func openSQLiteRO(path string) (*sql.DB, error) {
	if !isFile(path) {
		return nil, mailerr.New(mailerr.BadInput, "read", path, errors.New("is not a file (or is a symbolic link)"))
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: "mode=ro&immutable=1"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, mailerr.New(mailerr.BadInput, "read", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

func sqliteErr(path string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return mailerr.New(mailerr.BadInput, "read", path, errors.New("is not an address book database Mailark can read: "+err.Error()))
}

// readAppleContacts reads AddressBook-v22.abcddb: people (ZABCDRECORD)
// and their addresses (ZABCDEMAILADDRESS, by ZOWNER), in the book's order.
func readAppleContacts(ctx context.Context, path string, fn func(Contact) error) error {
	db, err := openSQLiteRO(path)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT r.Z_PK, COALESCE(r.ZFIRSTNAME, ''), COALESCE(r.ZLASTNAME, ''),
		COALESCE(r.ZORGANIZATION, ''), COALESCE(e.ZADDRESS, '')
		FROM ZABCDRECORD r JOIN ZABCDEMAILADDRESS e ON e.ZOWNER = r.Z_PK
		ORDER BY r.Z_PK, e.ZORDERINGINDEX, e.Z_PK`)
	if err != nil {
		return sqliteErr(path, err)
	}
	defer rows.Close()
	var cur Contact
	var curPK int64 = -1
	flush := func() error {
		if curPK < 0 {
			return nil
		}
		cur.Emails = cleanEmails(cur.Emails)
		if len(cur.Emails) == 0 {
			return nil
		}
		return fn(cur)
	}
	for rows.Next() {
		var pk int64
		var first, last, org, addr string
		if err := rows.Scan(&pk, &first, &last, &org, &addr); err != nil {
			return sqliteErr(path, err)
		}
		if pk != curPK {
			if err := flush(); err != nil {
				return err
			}
			name := personName(first, last)
			if name == "" {
				name = org
			}
			cur, curPK = Contact{Name: name, Source: "Apple Contacts"}, pk
		}
		cur.Emails = append(cur.Emails, addr)
	}
	if err := rows.Err(); err != nil {
		return sqliteErr(path, err)
	}
	return flush()
}

// readThunderbirdBook reads abook.sqlite (Thunderbird 78 on): a table
// properties(card, name, value); the names are DisplayName, FirstName,
// LastName, PrimaryEmail, SecondEmail, and from Thunderbird 102 a whole
// vCard in _vCard, whose FN and EMAIL lines are read too.
func readThunderbirdBook(ctx context.Context, path string, fn func(Contact) error) error {
	return readThunderbirdDB(ctx, path, "Thunderbird", fn)
}

// readThunderbirdHistory reads history.sqlite, the same layout, holding
// the addresses Thunderbird collected from mail.
func readThunderbirdHistory(ctx context.Context, path string, fn func(Contact) error) error {
	return readThunderbirdDB(ctx, path, "Thunderbird (collected addresses)", fn)
}

func readThunderbirdDB(ctx context.Context, path, source string, fn func(Contact) error) error {
	db, err := openSQLiteRO(path)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT card, name, value FROM properties
		WHERE name IN ('DisplayName', 'FirstName', 'LastName', 'PrimaryEmail', 'SecondEmail', '_vCard')
		ORDER BY card`)
	if err != nil {
		return sqliteErr(path, err)
	}
	defer rows.Close()
	type card struct {
		id                            string
		display, first, last, primary string
		second, vcardName             string
		vcardEmails                   []string
	}
	var cur *card
	flush := func() error {
		if cur == nil {
			return nil
		}
		c := Contact{Source: source, Name: cur.display}
		if c.Name == "" {
			c.Name = cur.vcardName
		}
		if c.Name == "" {
			c.Name = personName(cur.first, cur.last)
		}
		c.Emails = cleanEmails(append([]string{cur.primary, cur.second}, cur.vcardEmails...))
		if len(c.Emails) == 0 {
			return nil
		}
		return fn(c)
	}
	for rows.Next() {
		var id, name string
		var value sql.NullString
		if err := rows.Scan(&id, &name, &value); err != nil {
			return sqliteErr(path, err)
		}
		if cur == nil || cur.id != id {
			if err := flush(); err != nil {
				return err
			}
			cur = &card{id: id}
		}
		v := value.String
		switch name {
		case "DisplayName":
			cur.display = v
		case "FirstName":
			cur.first = v
		case "LastName":
			cur.last = v
		case "PrimaryEmail":
			cur.primary = v
		case "SecondEmail":
			cur.second = v
		case "_vCard":
			for _, vc := range parseVCards([]byte(v)) {
				if cur.vcardName == "" {
					cur.vcardName = vc.Name
				}
				cur.vcardEmails = append(cur.vcardEmails, vc.Emails...)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return sqliteErr(path, err)
	}
	return flush()
}
