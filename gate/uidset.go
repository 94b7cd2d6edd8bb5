package gate

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// Verified UIDs are stored as an IMAP sequence set ("1:40,42,45:50"): a
// folder of consecutive UIDs takes a few bytes, and the set is what UID
// STORE and UID EXPUNGE take.

// formatUIDs writes ascending UIDs as a sequence set.
func formatUIDs(uids []uint32) string {
	var b strings.Builder
	for i := 0; i < len(uids); {
		j := i
		for j+1 < len(uids) && uids[j+1] == uids[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(uids[i]), 10))
		if j > i {
			b.WriteByte(':')
			b.WriteString(strconv.FormatUint(uint64(uids[j]), 10))
		}
		i = j + 1
	}
	return b.String()
}

// parseUIDs reads what formatUIDs wrote and returns the set and the number
// of UIDs in it. "*" is refused: a stored set names its UIDs.
func parseUIDs(s string) (imap.UIDSet, int64, error) {
	var set imap.UIDSet
	var n int64
	if s == "" {
		return set, 0, nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		start, err := strconv.ParseUint(lo, 10, 32)
		if err != nil || start == 0 {
			return nil, 0, fmt.Errorf("bad UID set %q", s)
		}
		stop := start
		if isRange {
			if stop, err = strconv.ParseUint(hi, 10, 32); err != nil || stop < start {
				return nil, 0, fmt.Errorf("bad UID set %q", s)
			}
		}
		set = append(set, imap.UIDRange{Start: imap.UID(start), Stop: imap.UID(stop)})
		n += int64(stop - start + 1)
	}
	return set, n, nil
}
