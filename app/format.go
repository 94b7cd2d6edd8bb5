package app

import (
	"strconv"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/progress"
)

// formatCount writes n with thousands separators: 12,345 (the same in
// English and Japanese).
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatBytes writes a size as the command line, the report and the
// progress line do (progress.Bytes: one convention for the same data
// everywhere): 1.2 MB, 340 KB.
func formatBytes(n int64) string { return progress.Bytes(n) }

// formatRate writes bytes per second: 3.2 MB/s.
func formatRate(bytesPerSecond float64) string {
	return formatBytes(int64(bytesPerSecond)) + "/s"
}

// formatDuration says how long, roughly, in the current language.
func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return tr("time.unknown")
	case d < time.Minute:
		return tr("time.under-minute")
	case d < time.Hour:
		return trn("time.minutes", int64((d+30*time.Second)/time.Minute), nil)
	default:
		h := int64(d / time.Hour)
		m := int64((d % time.Hour) / time.Minute)
		return tr("time.hours-minutes", map[string]any{"H": h, "M": m})
	}
}

// formatTime writes a date and time in the current language's layout.
func formatTime(at time.Time) string {
	if at.IsZero() {
		return tr("time.never")
	}
	return at.Local().Format(tr("layout.datetime"))
}

// formatDate writes a date only.
func formatDate(at time.Time) string {
	if at.IsZero() {
		return ""
	}
	return at.Local().Format(tr("layout.date"))
}

// parseStamp reads the archive's RFC 3339 times; zero when unreadable.
func parseStamp(s string) time.Time {
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return at
}
