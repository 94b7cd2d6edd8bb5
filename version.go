package main

import (
	_ "embed"
	"strings"
)

// fyneApp is FyneApp.toml, the one place the version is written: `fyne
// package` reads it, and so does this binary however it was built.
//
//go:embed FyneApp.toml
var fyneApp string

// version is FyneApp.toml's [Details] Version ("dev" if it has none).
func version() string {
	section := ""
	for _, line := range strings.Split(fyneApp, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if ok && section == "Details" && strings.TrimSpace(key) == "Version" {
			return strings.Trim(strings.TrimSpace(value), `"`)
		}
	}
	return "dev"
}
