package limits

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Rule is what one provider allows, for the hosts Match names: a host
// ("imap.gmail.com"), a domain and its hosts ("*.outlook.com"), or every
// host ("*"). Zero fields say nothing: the "*" rule's value applies.
type Rule struct {
	Match    string `json:"match"`
	Provider string `json:"provider,omitempty"` // for people: "Gmail"
	// MaxConnections is the most connections one account may have open.
	MaxConnections int `json:"max_connections,omitempty"`
	// DownloadMBPerDay and UploadMBPerDay are daily byte budgets per
	// account, in millions of bytes (as providers state them); 0: none.
	DownloadMBPerDay int64 `json:"download_mb_per_day,omitempty"`
	UploadMBPerDay   int64 `json:"upload_mb_per_day,omitempty"`
	// Throttle are regular expressions matching a server's words (NO, BAD
	// or BYE text) that ask the client to slow down; the first group, when
	// present, is the suggested wait in milliseconds.
	Throttle []string `json:"throttle,omitempty"`
}

// Table is the rules in force: a file's first, then the built-in ones.
type Table struct {
	rules []Rule
	res   map[string]*regexp.Regexp
}

// MB is a million bytes: providers state their budgets in them.
const MB = 1_000_000

// builtin are the known limits. Sources: Gmail's "Bandwidth limits"
// (2,500 MB/day IMAP download, 500 MB/day upload, 15 connections per
// account); Microsoft 365's throttling answer; Dovecot's default of 10
// connections per user and address for every other server.
var builtin = []Rule{
	{Match: "imap.gmail.com", Provider: "Gmail", MaxConnections: 15, DownloadMBPerDay: 2500, UploadMBPerDay: 500},
	{Match: "imap.googlemail.com", Provider: "Gmail", MaxConnections: 15, DownloadMBPerDay: 2500, UploadMBPerDay: 500},
	{Match: "outlook.office365.com", Provider: "Microsoft 365", MaxConnections: 8},
	{Match: "*.outlook.com", Provider: "Outlook.com", MaxConnections: 8},
	{Match: "*", MaxConnections: 10, Throttle: []string{
		`(?i)request is throttled\.? *suggested backoff time: *(\d+) *milliseconds`,
		`(?i)\[THROTTLED\]`,
	}},
}

// Default is the built-in table.
func Default() *Table {
	t, err := newTable(nil)
	if err != nil {
		panic(err) // the built-in patterns compile
	}
	return t
}

// file is the JSON form of a limits file.
type file struct {
	Hosts []Rule `json:"hosts"`
}

// Load reads a limits file: its rules come before the built-in ones (a
// rule for the same Match replaces the built-in one).
func Load(path string) (*Table, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read limits file %s: %w", path, err)
	}
	return Parse(b, path)
}

// Parse reads a limits file's content; name is for the error.
func Parse(b []byte, name string) (*Table, error) {
	var f file
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("limits file %s: %w", name, err)
	}
	for i, r := range f.Hosts {
		if strings.TrimSpace(r.Match) == "" {
			return nil, fmt.Errorf("limits file %s: host entry %d has no \"match\"", name, i+1)
		}
		if r.MaxConnections < 0 || r.DownloadMBPerDay < 0 || r.UploadMBPerDay < 0 {
			return nil, fmt.Errorf("limits file %s: %s: a limit cannot be negative", name, r.Match)
		}
	}
	t, err := newTable(f.Hosts)
	if err != nil {
		return nil, fmt.Errorf("limits file %s: %w", name, err)
	}
	return t, nil
}

// LoadOptional is Load for a file that may be missing (the settings
// folder's): missing, it is the built-in table.
func LoadOptional(path string) (*Table, error) {
	t, err := Load(path)
	if errors.Is(err, os.ErrNotExist) {
		return Default(), nil
	}
	return t, err
}

func newTable(first []Rule) (*Table, error) {
	t := &Table{res: map[string]*regexp.Regexp{}}
	seen := map[string]bool{}
	for _, r := range append(append([]Rule{}, first...), builtin...) {
		r.Match = strings.ToLower(strings.TrimSpace(r.Match))
		if seen[r.Match] {
			continue
		}
		seen[r.Match] = true
		for _, p := range r.Throttle {
			if t.res[p] != nil {
				continue
			}
			re, err := regexp.Compile(p)
			if err != nil {
				return nil, fmt.Errorf("%s: throttle pattern %q: %w", r.Match, p, err)
			}
			t.res[p] = re
		}
		t.rules = append(t.rules, r)
	}
	return t, nil
}

// Limits is what applies to one host: its rule with the "*" rule's values
// where it says nothing.
type Limits struct {
	Host           string
	Provider       string // "" when no rule names the host
	MaxConnections int
	DownloadPerDay int64 // bytes; 0: no budget
	UploadPerDay   int64
	throttle       []*regexp.Regexp
}

// For is the limits of host. A nil table is the built-in one.
func (t *Table) For(host string) Limits {
	if t == nil {
		t = Default()
	}
	host = strings.ToLower(strings.TrimSpace(host))
	var best, star *Rule
	for i := range t.rules {
		r := &t.rules[i]
		switch {
		case r.Match == "*":
			star = r
		case r.Match == host:
			best = r // an exact rule outranks any pattern
		case strings.HasPrefix(r.Match, "*.") && strings.HasSuffix(host, r.Match[1:]):
			if best == nil || best.Match != host && len(r.Match) > len(best.Match) {
				best = r
			}
		}
	}
	l := Limits{Host: host}
	for _, r := range []*Rule{star, best} {
		if r == nil {
			continue
		}
		if r.Provider != "" {
			l.Provider = r.Provider
		}
		if r.MaxConnections > 0 {
			l.MaxConnections = r.MaxConnections
		}
		if r.DownloadMBPerDay > 0 {
			l.DownloadPerDay = r.DownloadMBPerDay * MB
		}
		if r.UploadMBPerDay > 0 {
			l.UploadPerDay = r.UploadMBPerDay * MB
		}
		for _, p := range r.Throttle {
			l.throttle = append(l.throttle, t.res[p])
		}
	}
	return l
}

// Connections is n capped by the host's MaxConnections, at least 1.
func (l Limits) Connections(n int) int {
	if l.MaxConnections > 0 {
		n = min(n, l.MaxConnections)
	}
	return max(n, 1)
}

// Name is the provider's name for people, or the host.
func (l Limits) Name() string {
	if l.Provider != "" {
		return l.Provider
	}
	return l.Host
}

// MaxThrottleWait bounds a wait a server suggests: a server asking for an
// hour is waited for in several goes, each one a new try.
const MaxThrottleWait = 5 * time.Minute

// Throttled reports whether a server's words ask to slow down, and the
// wait it suggests (0: none given), at most MaxThrottleWait.
func (l Limits) Throttled(words string) (time.Duration, bool) {
	if words == "" {
		return 0, false
	}
	for _, re := range l.throttle {
		m := re.FindStringSubmatch(words)
		if m == nil {
			continue
		}
		var d time.Duration
		if len(m) > 1 && m[1] != "" {
			if ms, err := strconv.ParseInt(m[1], 10, 64); err == nil && ms > 0 {
				d = min(time.Duration(ms)*time.Millisecond, MaxThrottleWait)
			}
		}
		return d, true
	}
	return 0, false
}

// ThrottleError is a server's answer asking to slow down: not a failure of
// the run, which waits Wait and tries again on a new connection.
type ThrottleError struct {
	Wait time.Duration // suggested, 0: none given
	Err  error
}

func (e *ThrottleError) Error() string {
	return fmt.Sprintf("the server asks to slow down (suggested wait %v): %v", e.Wait, e.Err)
}

func (e *ThrottleError) Unwrap() error { return e.Err }

// AsThrottle returns err as a *ThrottleError when it, or the extra words
// (a BYE line), ask to slow down; else nil.
func (l Limits) AsThrottle(err error, extra ...string) *ThrottleError {
	if err == nil {
		return nil
	}
	var te *ThrottleError
	if errors.As(err, &te) {
		return te
	}
	for _, w := range append([]string{err.Error()}, extra...) {
		if d, ok := l.Throttled(w); ok {
			return &ThrottleError{Wait: d, Err: err}
		}
	}
	return nil
}

// Next is the wait before going on after the inARow-th throttling answer
// in a row (1-based): the server's suggestion, or backoff when it named
// none. After more than most in a row it returns the error that stops the
// run instead.
func (e *ThrottleError) Next(inARow, most int, backoff func(int) time.Duration) (time.Duration, error) {
	if inARow > most {
		return 0, fmt.Errorf("the server kept asking to slow down, %d times in a row: %w", inARow-1, e.Err)
	}
	if e.Wait > 0 {
		return e.Wait, nil
	}
	return backoff(inARow), nil
}

// Notice is the progress notice's text for a wait of d.
func (e *ThrottleError) Notice(d time.Duration) string {
	return fmt.Sprintf("the server asks to slow down; waiting %v, then going on (%v)", d, e.Err)
}
