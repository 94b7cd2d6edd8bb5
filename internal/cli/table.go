package cli

import (
	"io"
	"strings"

	"github.com/mailark/mailark/internal/mailtext"
)

// table writes aligned columns by display width: a Japanese folder name or
// subject takes two terminal columns a character, which text/tabwriter
// counts as one (its columns then drift). Cells are passed through safe by
// the caller.
type table struct {
	header []string
	right  []bool // right-aligned columns (numbers)
	rows   [][]string
}

func newTable(header ...string) *table {
	return &table{header: header, right: make([]bool, len(header))}
}

// alignRight marks columns (by index) as right-aligned.
func (t *table) alignRight(cols ...int) *table {
	for _, c := range cols {
		t.right[c] = true
	}
	return t
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) {
	all := append([][]string{t.header}, t.rows...)
	widths := make([]int, len(t.header))
	for _, r := range all {
		for i := range t.header {
			if i < len(r) {
				widths[i] = max(widths[i], mailtext.Width(r[i]))
			}
		}
	}
	var b strings.Builder
	for _, r := range all {
		var line strings.Builder
		for i := range t.header {
			cell := ""
			if i < len(r) {
				cell = r[i]
			}
			pad := strings.Repeat(" ", widths[i]-mailtext.Width(cell))
			if t.right[i] {
				line.WriteString(pad + cell)
			} else {
				line.WriteString(cell + pad)
			}
			if i < len(t.header)-1 {
				line.WriteString("  ")
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	io.WriteString(w, b.String())
}
