// Package localeenv quiets a false error at start-up. Fyne's lang package
// reads the locale in its init, and a POSIX locale with a codeset such as
// LANG=C.UTF-8 (the default in Debian containers and CI) is not a language
// tag, so every run of mailark, a CLI command included, printed "Fyne
// error: Error parsing user locale C". Importing this package first (main
// does; it imports only os and strings, so Go initialises it before Fyne's
// lang, whose own imports sort later) sets LANGUAGE=en for such a locale:
// the C locale's language is English, and LANGUAGE is what gettext and
// Fyne read first. A real locale, or a LANGUAGE already set, is left alone.
package localeenv

import (
	"os"
	"strings"
)

func init() {
	if os.Getenv("LANGUAGE") != "" {
		return
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(k)
		if v == "" {
			continue
		}
		base, _, _ := strings.Cut(v, ".")
		if (base == "C" || base == "POSIX") && v != base {
			os.Setenv("LANGUAGE", "en")
		}
		return
	}
}
