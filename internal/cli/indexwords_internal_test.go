package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/progress"
)

// A backup's index stage shows as "indexing for search", in the user's
// language, not as a bar of messages saved.
func TestIndexProgressLine(t *testing.T) {
	for _, tc := range []struct {
		lang gate.Lang
		want string
	}{
		{gate.English, "indexing for search:  45%  9/20 messages"},
		{gate.Japanese, "検索用の索引を作成中:  45%  9/20 通"},
	} {
		var out bytes.Buffer
		d := &display{w: &out, now: time.Now, lang: tc.lang}
		d.sink(progress.Event{Kind: progress.Status, Step: progress.StepIndex, Done: 9, Total: 20})
		if got := strings.TrimSpace(out.String()); got != tc.want {
			t.Errorf("%s: index progress line = %q, want %q", tc.lang, got, tc.want)
		}
	}
}
