package app

import (
	"path/filepath"

	"github.com/mailark/mailark/internal/limits"
	"github.com/mailark/mailark/internal/settings"
)

// appLimits is the providers' limits for the window's runs: limits.json in
// the settings folder when there is one (as for the CLI), else the
// built-in table. A file that cannot be read leaves the built-in table:
// the window has no place to say so before a run, and the built-in limits
// are the providers' own.
func appLimits() *limits.Table {
	dir, err := settings.DefaultDir()
	if err != nil {
		return limits.Default()
	}
	t, err := limits.LoadOptional(filepath.Join(dir, "limits.json"))
	if err != nil {
		return limits.Default()
	}
	return t
}
