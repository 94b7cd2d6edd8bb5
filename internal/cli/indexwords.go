package cli

import (
	"fmt"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/progress"
)

// indexWords are the lines about the full-text index (messages are saved
// first and made searchable after), in the user's language (LANG).
var indexWords = map[gate.Lang]map[string]string{
	gate.English: {
		"progress":  "indexing for search: %3.0f%%  %d/%d messages",
		"left":      "%d message(s) are not searchable yet; they will be after the next backup (or search again).",
		"left-busy": "%d message(s) are not searchable yet: a backup is saving to this archive and makes them searchable before it ends. Search again then.",
	},
	gate.Japanese: {
		"progress":  "検索用の索引を作成中: %3.0f%%  %d/%d 通",
		"left":      "まだ検索できないメッセージが %d 通あります。次のバックアップのあとで検索できるようになります（もう一度検索しても作成します）。",
		"left-busy": "まだ検索できないメッセージが %d 通あります。この保存先にバックアップが書き込み中で、終わる前に検索できるようにします。そのあとでもう一度検索してください。",
	},
}

func indexWord(l gate.Lang, key string, args ...any) string {
	s, ok := indexWords[l][key]
	if !ok {
		s = indexWords[gate.English][key]
	}
	return fmt.Sprintf(s, args...)
}

// indexLine is the progress line of a backup's index stage.
func indexLine(l gate.Lang, e progress.Event) string {
	pct := 100.0
	if e.Total > 0 {
		pct = 100 * float64(e.Done) / float64(e.Total)
	}
	return indexWord(l, "progress", max(0, min(pct, 100)), e.Done, e.Total)
}
