package limits

import (
	"fmt"
	"time"

	"github.com/mailark/mailark/internal/progress"
)

// Text is the one line a person reads when a run stopped for the day's
// budget, in lang ("en" or "ja"), with the renewal in loc:
// "Gmail allows 2.5 GB a day; 2.5 GB were downloaded today; the rest (12
// messages, 1.2 GB) can be fetched after 09:00 tomorrow — run the same
// command again".
func (e *ExhaustedError) Text(lang string, loc *time.Location) string {
	at, when := e.Renews.In(loc).Format("15:04"), e.when(lang, loc)
	if lang == "ja" {
		verb, rest := "ダウンロード", "取得"
		if e.Dir == Upload {
			verb, rest = "アップロード", "コピー"
		}
		return fmt.Sprintf("%sの上限は1日%sです。今日は%s%sしました。残り（%d通、%s）は%s%s以降に%sできます — 同じコマンドをもう一度実行してください",
			e.Provider, gb(e.PerDay), gb(e.UsedToday), verb, e.LeftMessages, gb(e.LeftBytes), when, at, rest)
	}
	verb, rest := "downloaded", "fetched"
	if e.Dir == Upload {
		verb, rest = "uploaded", "copied"
	}
	return fmt.Sprintf("%s allows %s a day; %s were %s today; the rest (%d messages, %s) can be %s after %s %s — run the same command again",
		e.Provider, gb(e.PerDay), gb(e.UsedToday), verb, e.LeftMessages, gb(e.LeftBytes), rest, at, when)
}

// Waiting is the notice of a run that waits for the budget to renew.
func (e *ExhaustedError) Waiting(lang string, loc *time.Location) string {
	at, when := e.Renews.In(loc).Format("15:04"), e.when(lang, loc)
	if lang == "ja" {
		return fmt.Sprintf("%sの1日の上限（%s）に達しました。%s%sに自動で再開します（残り%d通、%s）",
			e.Provider, gb(e.PerDay), when, at, e.LeftMessages, gb(e.LeftBytes))
	}
	return fmt.Sprintf("%s's daily limit (%s) is reached; going on by itself at %s tomorrow (%d messages, %s left)",
		e.Provider, gb(e.PerDay), at, e.LeftMessages, gb(e.LeftBytes))
}

// ETAWords says an ETA that a daily budget stretches, in lang: "about 2
// days: Gmail allows 2.5 GB a day". It is "" when the budget does not make
// the rest wait for another day.
func ETAWords(b *progress.Budget, lang string, eta time.Duration, remaining int64) string {
	if b == nil || b.ExtraDays(remaining) == 0 {
		return ""
	}
	days := int64((eta + 12*time.Hour) / (24 * time.Hour))
	if lang == "ja" {
		if days < 1 {
			return fmt.Sprintf("約%d時間：%sの上限は1日%sです", int64(eta.Hours()+0.5), b.Provider, gb(b.PerDay))
		}
		return fmt.Sprintf("約%d日：%sの上限は1日%sです", days, b.Provider, gb(b.PerDay))
	}
	switch {
	case days < 1:
		return fmt.Sprintf("about %d hours: %s allows %s a day", int64(eta.Hours()+0.5), b.Provider, gb(b.PerDay))
	case days == 1:
		return fmt.Sprintf("about 1 day: %s allows %s a day", b.Provider, gb(b.PerDay))
	}
	return fmt.Sprintf("about %d days: %s allows %s a day", days, b.Provider, gb(b.PerDay))
}

// when says the renewal's day from the stop's: today or tomorrow.
func (e *ExhaustedError) when(lang string, loc *time.Location) string {
	r, a := e.Renews.In(loc), e.At.In(loc)
	same := r.Year() == a.Year() && r.YearDay() == a.YearDay()
	switch {
	case same && lang == "ja":
		return "今日"
	case same:
		return "today"
	case lang == "ja":
		return "明日"
	}
	return "tomorrow"
}
