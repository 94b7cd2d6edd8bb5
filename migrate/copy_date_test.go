package migrate

import (
	"strings"
	"testing"
	"time"
)

// TestAppendDate: the new server files a message under its old internal
// date, else its Date header; with neither, the message is refused, never
// sent without a date (the server would stamp it today).
func TestAppendDate(t *testing.T) {
	jst := time.FixedZone("", 9*3600)
	for _, c := range []struct {
		name           string
		internal, date string
		want           time.Time
		refused        bool
	}{
		{"internal date", "2024-03-05T09:04:11+09:00", "2020-01-01T00:00:00Z", time.Date(2024, 3, 5, 9, 4, 11, 0, jst), false},
		{"bad internal date, Date header", "05-Mar-2024 09:04:11 +0900", "2024-03-04T10:00:00+09:00", time.Date(2024, 3, 4, 10, 0, 0, 0, jst), false},
		{"empty internal date, Date header", "", "2024-03-04T01:00:00Z", time.Date(2024, 3, 4, 1, 0, 0, 0, time.UTC), false},
		{"neither", "garbage", "", time.Time{}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := appendDate(pendingMsg{uid: 7, internalDate: c.internal, dateHeader: c.date})
			if c.refused {
				if err == nil || !strings.Contains(err.Error(), "no readable date") {
					t.Errorf("appendDate() = %v, %v, want a refusal that says why", got, err)
				}
				return
			}
			if err != nil || !got.Equal(c.want) {
				t.Errorf("appendDate() = %v, %v, want %v", got, err, c.want)
			}
		})
	}
}
