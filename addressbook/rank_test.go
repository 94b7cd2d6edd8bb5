package addressbook_test

import (
	"testing"
	"time"

	"github.com/mailark/mailark/addressbook"
)

func TestScore(t *testing.T) {
	newest := time.Date(2024, 3, 7, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name             string
		sent, recv, seen int
		last             time.Time
		want             int64
	}{
		{"written to once, today", 1, 0, 0, newest, 100_000},
		{"received once, today", 0, 1, 0, newest, 10_000},
		{"copied once, today", 0, 0, 1, newest, 1_000},
		{"mixed", 2, 3, 4, newest, 234_000},
		{"two years ago: half", 1, 0, 0, newest.AddDate(0, 0, -730), 50_000},
		{"four years ago: a third", 1, 0, 0, newest.AddDate(0, 0, -1460), 33_333},
		{"no date", 1, 0, 0, time.Time{}, 100_000},
		{"dated after the newest", 1, 0, 0, newest.Add(time.Hour), 100_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &addressbook.Contact{SentTo: tt.sent, ReceivedFrom: tt.recv, Seen: tt.seen, Last: tt.last}
			if got := addressbook.Score(c, newest); got != tt.want {
				t.Errorf("Score() = %d, want %d", got, tt.want)
			}
		})
	}
}
