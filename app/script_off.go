//go:build !screenshots

package app

// The shipped binary has no screenshot driver: script.go is built only with
// -tags screenshots (make test-gui).
const scriptBuilt = false

func (u *ui) runScript(string) {}
