// Package secret holds a password type that never prints.
package secret

import "log/slog"

// Password is a secret string. Its String, GoString, Format-by-%v,
// MarshalJSON, MarshalText and LogValue all print "***"; only Reveal gives the
// value, so a password reaches only the code that must send it.
type Password struct{ v string }

// New wraps s.
func New(s string) Password { return Password{v: s} }

// Reveal returns the secret. Call it only where the value is sent to a server
// or a keyring.
func (p Password) Reveal() string { return p.v }

// Empty reports whether no password is set.
func (p Password) Empty() bool { return p.v == "" }

const mask = "***"

func (p Password) String() string               { return mask }
func (p Password) GoString() string             { return mask }
func (p Password) MarshalJSON() ([]byte, error) { return []byte(`"` + mask + `"`), nil }
func (p Password) MarshalText() ([]byte, error) { return []byte(mask), nil }
func (p Password) LogValue() slog.Value         { return slog.StringValue(mask) }
