package addressbook

import (
	"sort"
	"time"
)

// Ranking. The score of a contact is
//
//	Score = (100·SentTo + 10·ReceivedFrom + Seen + 100·saved) · 1000 · 730 / (730 + days)
//
// where saved is 1 when the contact is in one of the user's own address
// books (SavedIn): someone the user chose to keep is known, like someone
// they wrote to once, even with no mail at all; and days is the number of whole days between the contact's last message
// and the newest message in the archive (Book.Newest; never the clock, so the
// same archive always ranks the same). Writing to someone is the strongest
// sign they matter; mail from them counts a tenth of that, and being copied
// on the same message a hundredth. Recency halves the score after two years
// (730 days), a third after four, and so on: slowly, because an old client
// is still a client. A contact with no dated message counts as recent.
// Integer arithmetic only: the order is the same on every
// machine.
//
// Contacts are ordered people first, then automated senders; within each,
// by descending Score, ties by Key (the address), so the order is total and
// the exports are deterministic.
const (
	weightSent     = 100
	weightReceived = 10
	weightSeen     = 1
	weightSaved    = 100
	halfLifeDays   = 730
)

// Score computes the ranking score of c with newest as the reference date.
func Score(c *Contact, newest time.Time) int64 {
	base := int64(weightSent*c.SentTo + weightReceived*c.ReceivedFrom + weightSeen*c.Seen)
	if len(c.SavedIn) > 0 {
		base += weightSaved
	}
	var days int64
	if !c.Last.IsZero() && newest.After(c.Last) {
		days = int64(newest.Sub(c.Last) / (24 * time.Hour))
	}
	return base * 1000 * halfLifeDays / (halfLifeDays + days)
}

func rank(cs []*Contact, newest time.Time) {
	for _, c := range cs {
		c.Score = Score(c, newest)
	}
	sort.Slice(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Automated != b.Automated {
			return !a.Automated
		}
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return a.Key < b.Key
	})
}
