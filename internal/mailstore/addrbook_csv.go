package mailstore

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"github.com/mailark/mailark/internal/mailerr"
)

// A CSV export of an address book, as Windows Live Mail and Outlook
// Express write it: a header line naming the columns in the user's
// language, then one contact per line, in the Windows code page (Shift_JIS
// for Japanese users) or UTF-8. Columns are found by their names: any
// whose name speaks of e-mail holds addresses; "Name" (or first and last
// name) the name.

func readCSVBook(ctx context.Context, path string, fn func(Contact) error) error {
	b, err := readStoreFile(path, path, bookFileMax)
	if err != nil {
		return err
	}
	return parseCSVBook(ctx, b, path, fn)
}

// parseCSVBook reads the bytes of a CSV address book (path names it in
// errors).
func parseCSVBook(ctx context.Context, b []byte, path string, fn func(Contact) error) error {
	r := csv.NewReader(strings.NewReader(decodeANSI(b)))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	head, err := r.Read()
	if err != nil {
		return mailerr.New(mailerr.BadInput, "read", path, errors.New("is not a CSV address book: "+err.Error()))
	}
	cols := csvColumns(head)
	if len(cols.email) == 0 {
		return mailerr.New(mailerr.BadInput, "read", path, errors.New("is a CSV file without an e-mail column"))
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				continue // one bad line: the rest is read
			}
			return mailerr.New(mailerr.BadInput, "read", path, err)
		}
		get := func(i int) string {
			if i >= 0 && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		c := Contact{Source: "CSV", Name: get(cols.name)}
		if c.Name == "" {
			c.Name = personName(get(cols.given), get(cols.family))
		}
		for _, i := range cols.email {
			c.Emails = append(c.Emails, get(i))
		}
		c.Emails = cleanEmails(c.Emails)
		if len(c.Emails) == 0 {
			continue
		}
		if err := fn(c); err != nil {
			return err
		}
	}
}

type csvCols struct {
	name, given, family int
	email               []int
}

func csvColumns(head []string) csvCols {
	c := csvCols{name: -1, given: -1, family: -1}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(string(bytes.TrimPrefix([]byte(h), []byte("\xef\xbb\xbf")))))
		switch {
		case strings.Contains(h, "mail") || strings.Contains(h, "メール"):
			c.email = append(c.email, i)
		case h == "name" || h == "名前" || h == "表示名" || h == "display name" || h == "氏名":
			c.name = i
		case h == "first name" || h == "名" || h == "given name":
			c.given = i
		case h == "last name" || h == "姓" || h == "family name" || h == "surname":
			c.family = i
		}
	}
	return c
}
