package desk

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
)

// Account is one row of accounts.csv: a customer's old account and, when
// the new_* columns are filled, the new one. It holds a secret's name,
// never a password.
type Account struct {
	Customer string `json:"customer"`
	Old      Server `json:"old"`
	New      Server `json:"new,omitempty"` // Host "" when the account is only backed up and verified
	Secret   string `json:"secret"`        // NAME of a line NAME=password in the workers' secrets file
	// NewSecret names the new account's password; default Secret.
	NewSecret string            `json:"new_secret,omitempty"`
	Deadline  string            `json:"deadline,omitempty"` // YYYY-MM-DD
	Notes     map[string]string `json:"notes,omitempty"`    // the CSV's other columns
	Line      int               `json:"line"`
}

// Server is where one side of an account lives.
type Server struct {
	Host     string `json:"host"`
	Port     int    `json:"port,omitempty"`
	Security string `json:"security,omitempty"`
	User     string `json:"user"`
	CAFile   string `json:"ca_file,omitempty"`
}

// Migrates reports whether the account moves to a new account.
func (a Account) Migrates() bool { return a.New.Host != "" }

// RowError is one bad row of the CSV.
type RowError struct {
	Line   int
	Reason string
}

func (e RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// CSVError lists every bad row of a CSV file; nothing was queued.
type CSVError struct {
	Path string
	Rows []RowError
}

func (e *CSVError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s has %d bad row(s); nothing was queued", e.Path, len(e.Rows))
	for _, r := range e.Rows {
		b.WriteString("\n  ")
		b.WriteString(r.Error())
	}
	return b.String()
}

var (
	requiredColumns = []string{"customer", "old_host", "old_port", "old_security", "old_user", "secret"}
	optionalColumns = []string{"new_host", "new_port", "new_security", "new_user", "deadline", "new_secret", "old_ca_file", "new_ca_file"}
)

// ReadCSVFile reads and validates accounts.csv. A file that other users can
// read or write is refused (it names the customers and their logins). With
// skipBad the good rows are returned together with the bad ones; without,
// any bad row returns a *CSVError and no account.
func ReadCSVFile(path string, skipBad bool) ([]Account, []RowError, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, mailerr.New(mailerr.BadInput, "read accounts", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, mailerr.New(mailerr.BadInput, "read accounts", path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, nil, mailerr.New(mailerr.Permission, "read accounts", path,
			fmt.Errorf("%s can be read by other users (mode %v): chmod 600 it first", path, st.Mode().Perm()))
	}
	accts, bad, err := ParseCSV(io.LimitReader(f, 64<<20))
	if err != nil {
		return nil, nil, mailerr.New(mailerr.BadInput, "read accounts", path, err)
	}
	if len(bad) > 0 && !skipBad {
		return nil, bad, mailerr.New(mailerr.BadInput, "read accounts", path, &CSVError{Path: path, Rows: bad})
	}
	return accts, bad, nil
}

// ParseCSV parses accounts.csv: a header line, then one account per row.
// It returns the good rows and every bad one with its line and reason; the
// error is for a file that is not a usable CSV at all (no header, a
// missing column).
func ParseCSV(r io.Reader) ([]Account, []RowError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, errors.New("the file is empty: it needs a header line (" + strings.Join(requiredColumns, ",") + ")")
		}
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := col[h]; dup && h != "" {
			return nil, nil, fmt.Errorf("line 1: column %q appears twice", h)
		}
		col[h] = i
	}
	var missing []string
	for _, c := range requiredColumns {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("line 1: missing column(s) %s (the header needs %s)", strings.Join(missing, ", "), strings.Join(requiredColumns, ","))
	}
	known := map[string]bool{}
	for _, c := range append(append([]string{}, requiredColumns...), optionalColumns...) {
		known[c] = true
	}
	var out []Account
	var bad []RowError
	seenCustomer := map[string]int{}
	seenLogin := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, RowError{Line: pe.Line, Reason: pe.Err.Error()})
				continue
			}
			return nil, nil, err
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		a := Account{Customer: get("customer"), Secret: get("secret"), NewSecret: get("new_secret"), Deadline: get("deadline"), Line: line}
		var reasons []string
		if err := CheckCustomer(a.Customer); err != nil {
			reasons = append(reasons, err.Error())
		}
		var e []string
		a.Old, e = server(get, "old_")
		reasons = append(reasons, e...)
		if get("new_host") != "" || get("new_user") != "" {
			a.New, e = server(get, "new_")
			reasons = append(reasons, e...)
		}
		if a.Secret == "" {
			reasons = append(reasons, "secret is empty (it names a line NAME=password of the secrets file)")
		} else if !validSecretName(a.Secret) {
			reasons = append(reasons, fmt.Sprintf("secret %q is not a name (letters, digits, . _ - only): put the password in the secrets file, not in the CSV", a.Secret))
		}
		if a.NewSecret != "" && !validSecretName(a.NewSecret) {
			reasons = append(reasons, fmt.Sprintf("new_secret %q is not a name (letters, digits, . _ - only)", a.NewSecret))
		}
		if a.Deadline != "" {
			if _, err := time.Parse("2006-01-02", a.Deadline); err != nil {
				reasons = append(reasons, fmt.Sprintf("deadline %q is not a date like 2027-03-31", a.Deadline))
			}
		}
		if a.Customer != "" {
			if first, ok := seenCustomer[a.Customer]; ok {
				reasons = append(reasons, fmt.Sprintf("customer %q is already on line %d", a.Customer, first))
			} else {
				seenCustomer[a.Customer] = line
			}
		}
		if a.Old.Host != "" && a.Old.User != "" {
			login := strings.ToLower(a.Old.Host) + "\x00" + a.Old.User
			if first, ok := seenLogin[login]; ok {
				reasons = append(reasons, fmt.Sprintf("the account %s on %s is already on line %d", a.Old.User, a.Old.Host, first))
			} else {
				seenLogin[login] = line
			}
		}
		for name, i := range col {
			if !known[name] && name != "" && i < len(rec) && strings.TrimSpace(rec[i]) != "" {
				if a.Notes == nil {
					a.Notes = map[string]string{}
				}
				a.Notes[name] = strings.TrimSpace(rec[i])
			}
		}
		if len(reasons) > 0 {
			bad = append(bad, RowError{Line: line, Reason: strings.Join(reasons, "; ")})
			continue
		}
		out = append(out, a)
	}
	if len(out) == 0 && len(bad) == 0 {
		return nil, nil, errors.New("no account rows after the header")
	}
	return out, bad, nil
}

func server(get func(string) string, prefix string) (Server, []string) {
	s := Server{Host: get(prefix + "host"), Security: strings.ToLower(get(prefix + "security")), User: get(prefix + "user"),
		CAFile: get(prefix + "ca_file")}
	var reasons []string
	if s.Host == "" {
		reasons = append(reasons, prefix+"host is empty")
	} else if strings.ContainsAny(s.Host, " /\\@") {
		reasons = append(reasons, fmt.Sprintf("%shost %q is not a host name", prefix, s.Host))
	}
	if s.User == "" {
		reasons = append(reasons, prefix+"user is empty")
	}
	if p := get(prefix + "port"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			reasons = append(reasons, fmt.Sprintf("%sport %q is not a port number (1-65535)", prefix, p))
		}
		s.Port = n
	}
	sec, err := imapconn.ParseSecurity(s.Security)
	if err != nil {
		reasons = append(reasons, fmt.Sprintf("%ssecurity %q: use tls, starttls or plain", prefix, s.Security))
	} else if sec == imapconn.Plain && s.Host != "" && !imapconn.IsLoopback(s.Host) {
		reasons = append(reasons, fmt.Sprintf("%ssecurity plain to %s would send the password unencrypted: use tls or starttls", prefix, s.Host))
	}
	return s, reasons
}

// CheckCustomer checks a customer label: it names the customer's folder
// under DIR/customers, so it must be one plain folder name.
func CheckCustomer(c string) error {
	switch {
	case c == "":
		return errors.New("customer is empty")
	case len(c) > 100:
		return errors.New("customer is longer than 100 bytes")
	case !utf8.ValidString(c):
		return errors.New("customer is not valid UTF-8")
	case c == "." || c == ".." || strings.HasPrefix(c, "."):
		return fmt.Errorf("customer %q may not start with a dot", c)
	}
	for _, r := range c {
		if r == '/' || r == '\\' || r == ':' || unicode.IsControl(r) || r == '\u202e' || r == '\u202d' {
			return fmt.Errorf("customer %q holds %q: it names a folder, use letters, digits, - and _", c, r)
		}
	}
	return nil
}

func validSecretName(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for _, r := range s {
		if !(r == '.' || r == '_' || r == '-' || r == '@' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
