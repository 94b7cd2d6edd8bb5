package archive

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"unicode"
)

// maxIndexBytes bounds the text indexed per field of one message.
const maxIndexBytes = 256 << 10

// indexAutomerge is FTS5's automerge setting for the full-text index: how
// many segments of one level it gathers before it merges them into one of
// the next (FTS5's default is 4, its largest 16). Each transaction that
// adds to the index writes a new segment; with 16 the index is rewritten
// less often as it grows. Measured (BenchmarkAddToIndex, 12,000 messages of
// 2-30 KB of words in pages of 8 MiB): 30% less CPU to build it, and a
// search at about the same speed (a quarter of a millisecond). On the
// bench's corpus (N = 20,000, whose vocabulary is far larger than that
// benchmark's) the profile shows less: merging took 0.27 s instead of
// 0.37 s, the index's whole transactions 2.67 s instead of 2.71. The setting
// lives in the archive (message_fts_config), so an archive of any version
// keeps it, and any Mailark reads the index the same.
const indexAutomerge = 16

// indexHashBytes is FTS5's hashsize setting: how much of what a
// transaction adds the index holds in memory before it writes a segment
// (FTS5's default is 1 MiB). The indexer adds pages of up to 8 MiB of text
// (backup/index.go); with 1 MiB each became several small segments, which
// automerge then merged again. Measured (BenchmarkAddToIndex, two runs
// each): 829-872 ms of CPU with 1 MiB, 660-695 with 4, 696-698 with 8,
// 645-669 with 16; a search no slower. 4 MiB is the most of it for a few
// megabytes of memory, while the indexer runs.
const indexHashBytes = 4 << 20

// indexSettings are what tuneIndex gives the full-text index.
var indexSettings = []struct {
	key   string
	value int
}{{"automerge", indexAutomerge}, {"hashsize", indexHashBytes}}

// tuneIndex gives the full-text index its settings (indexSettings), those
// the archive does not have yet: a writer's Open.
func tuneIndex(ctx context.Context, db *sql.DB) error {
	for _, s := range indexSettings {
		var v string
		err := db.QueryRowContext(ctx, `SELECT v FROM message_fts_config WHERE k = ?`, s.key).Scan(&v)
		if err == nil && v == strconv.Itoa(s.value) {
			continue
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO message_fts(message_fts, rank) VALUES(?, ?)`, s.key, s.value); err != nil {
			return err
		}
	}
	return nil
}

// isCJK reports whether r belongs to a script written without spaces between
// words, which FTS5's tokenizers cannot split.
func isCJK(r rune) bool {
	if r < 0x1100 { // below Hangul Jamo: Latin, Greek, Cyrillic, symbols
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		r == 'ー' || r == '々' || r == '〆' || r == 'ヶ'
}

// IndexTerms rewrites text for the full-text index: every run of CJK
// characters becomes its overlapping two-character pieces, separated by
// spaces, so that a word of two characters is found inside a longer run.
// Other text is left for FTS5's unicode61 tokenizer.
func IndexTerms(text string) string {
	if len(text) > maxIndexBytes {
		text = text[:maxIndexBytes]
	}
	if isASCII(text) {
		return text // nothing to split: the tokenizer does the rest
	}
	var b strings.Builder
	b.Grow(len(text) + len(text)/2)
	var prev rune = -1 // the previous CJK rune of the current run, or -1
	runLen := 0
	for _, r := range text {
		if !isCJK(r) {
			if runLen == 1 {
				b.WriteRune(prev)
			}
			if runLen > 0 {
				b.WriteByte(' ')
			}
			prev, runLen = -1, 0
			b.WriteRune(r)
			continue
		}
		if runLen == 0 {
			b.WriteByte(' ')
		} else {
			if runLen > 1 {
				b.WriteByte(' ')
			}
			b.WriteRune(prev)
			b.WriteRune(r)
		}
		prev = r
		runLen++
	}
	if runLen == 1 {
		b.WriteRune(prev)
	}
	return b.String()
}

// MatchQuery turns what a person types into an FTS5 query: each
// space-separated term must match, CJK runs as phrases of two-character
// pieces, a lone CJK character as a prefix. It returns "" when nothing
// searchable is left.
func MatchQuery(q string) string {
	var parts []string
	for _, term := range strings.Fields(q) {
		var tokens []string
		var run []rune
		var word []rune
		flushRun := func() {
			switch {
			case len(run) == 1:
				tokens = append(tokens, string(run))
			case len(run) > 1:
				for i := 0; i+1 < len(run); i++ {
					tokens = append(tokens, string(run[i:i+2]))
				}
			}
			run = run[:0]
		}
		flushWord := func() {
			if len(word) > 0 {
				tokens = append(tokens, string(word))
				word = word[:0]
			}
		}
		single := false
		for _, r := range term {
			switch {
			case isCJK(r):
				flushWord()
				run = append(run, r)
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				flushRun()
				word = append(word, r)
			default:
				flushRun()
				flushWord()
			}
		}
		single = len(run) == 1 && len(tokens) == 0 && len(word) == 0
		flushRun()
		flushWord()
		if len(tokens) == 0 {
			continue
		}
		phrase := `"` + strings.ReplaceAll(strings.Join(tokens, " "), `"`, `""`) + `"`
		if single {
			phrase += "*"
		}
		parts = append(parts, phrase)
	}
	return strings.Join(parts, " ")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
