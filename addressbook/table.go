package addressbook

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/mailtext"
)

// TableFilter selects the rows of WriteTable. The zero value lists every
// person (no automated senders), in rank order.
type TableFilter struct {
	Query            string // substring of a name or address, any case
	IncludeAutomated bool
	OnlyWrittenTo    bool // only contacts the user has sent mail to
	Limit            int  // at most this many rows; 0 means all
}

// WriteTable writes the contacts as a plain-text table for `mailark
// contacts list`: rank, name, address, messages sent to and received from,
// last contact, and the reason for automated senders. Columns are aligned
// by display width, so Japanese names (two columns a character) line up.
func WriteTable(w io.Writer, book *Book, f TableFilter) error {
	var rows [][]string
	for i, c := range book.Select(f.IncludeAutomated) {
		if !c.Match(f.Query) || f.OnlyWrittenTo && c.SentTo == 0 {
			continue
		}
		if f.Limit > 0 && len(rows) == f.Limit {
			break
		}
		last := ""
		if !c.Last.IsZero() {
			last = c.Last.Format(time.DateOnly)
		}
		rows = append(rows, []string{strconv.Itoa(i + 1), mailtext.Truncate(c.Name, 32), c.Email(),
			strconv.Itoa(c.SentTo), strconv.Itoa(c.ReceivedFrom), last, c.AutomatedReason})
	}
	header := []string{"#", "NAME", "EMAIL", "SENT", "RECEIVED", "LAST", ""}
	if !f.IncludeAutomated {
		header = header[:6]
	}
	widths := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i := range header {
			widths[i] = max(widths[i], mailtext.Width(r[i]))
		}
	}
	bw := bufio.NewWriter(w)
	for _, r := range append([][]string{header}, rows...) {
		var line strings.Builder
		for i := range header {
			cell := r[i]
			pad := widths[i] - mailtext.Width(cell)
			switch i {
			case 0, 3, 4: // numbers right-aligned
				line.WriteString(strings.Repeat(" ", pad) + cell)
			default:
				line.WriteString(cell)
				if i < len(header)-1 {
					line.WriteString(strings.Repeat(" ", pad))
				}
			}
			if i < len(header)-1 {
				line.WriteString("  ")
			}
		}
		fmt.Fprintln(bw, strings.TrimRight(line.String(), " "))
	}
	fmt.Fprintf(bw, "%d contacts shown of %d (%d automated senders)\n", len(rows), len(book.Contacts), countAutomated(book))
	return bw.Flush()
}

func countAutomated(b *Book) int {
	n := 0
	for _, c := range b.Contacts {
		if c.Automated {
			n++
		}
	}
	return n
}
