package addressbook

import "strings"

var separators = strings.NewReplacer("-", "", "_", "", ".", "")

// addressAutomation says whether an address itself names a machine.
// hard: the address cannot be written to (no-reply, bounces, mailer-daemon),
// so it is automated even when the user once sent to it. Otherwise (postmaster,
// list robots) a single message sent by the user makes it a person's address.
func addressAutomation(key string) (reason string, hard bool) {
	at := strings.LastIndexByte(key, '@')
	if at < 0 {
		return "", false
	}
	local := key[:at]
	if i := strings.IndexByte(local, '+'); i > 0 && !strings.HasPrefix(local, "bounce") {
		local = local[:i] // sub-address: "noreply+abc" is "noreply"
	}
	squash := separators.Replace(local)
	switch {
	case strings.Contains(squash, "noreply"), strings.Contains(squash, "donotreply"),
		strings.Contains(squash, "dontreply"):
		return "no-reply address", true
	case strings.HasPrefix(local, "mailer-daemon"), local == "mailerdaemon":
		return "mailer-daemon", true
	case local == "bounce", local == "bounces",
		strings.HasPrefix(local, "bounce-"), strings.HasPrefix(local, "bounces-"),
		strings.HasPrefix(local, "bounce+"), strings.HasPrefix(local, "bounces+"),
		strings.HasPrefix(local, "bounce."), strings.HasPrefix(local, "bounces."),
		strings.HasSuffix(local, "-bounces"), strings.HasSuffix(local, "-bounce"),
		strings.Contains(local, "-bounces+"), strings.Contains(local, "-bounces-"):
		return "bounce address", true
	case local == "postmaster":
		return "postmaster", false
	case local == "majordomo", local == "listserv", local == "mailman",
		strings.HasSuffix(local, "-request"):
		return "mailing-list robot", false
	}
	return "", false
}
