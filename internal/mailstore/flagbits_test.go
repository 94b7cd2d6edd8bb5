package mailstore

import (
	"slices"
	"testing"
)

// TestFlagWords pins each app's flag bits (read through one bitFlags):
// every bit a reader knows gives its IMAP flag, in the reader's order.
func TestFlagWords(t *testing.T) {
	for _, c := range []struct {
		app       string
		got, want []string
	}{
		{"Becky! 7", beckyFlags([]byte("7,0")), []string{`\Seen`, `\Answered`, `$Forwarded`}},
		{"Becky! 2", beckyFlags([]byte("2")), []string{`$Forwarded`}},
		{"Outlook Express", dbxFlags(0x80 | 0x80000 | 0x20 | 0x100000), []string{`\Seen`, `\Answered`, `\Flagged`, `$Forwarded`}},
		{"Outlook Express, no known bit", dbxFlags(0x1), nil},
		{"Thunderbird", (&headerInfo{mozStatus: "100f"}).flags(), []string{`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `$Forwarded`}},
		{"Thunderbird forwarded", (&headerInfo{mozStatus: "1000"}).flags(), []string{`$Forwarded`}},
		{"Apple Mail", bitFlags(1<<0|1<<8|1<<25, emlxFlagBits), []string{`\Seen`, `$Forwarded`, `$NotJunk`}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: flags %q, want %q", c.app, c.got, c.want)
		}
	}
}
