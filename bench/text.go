package main

import (
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

var (
	vocabulary = strings.Fields(`the of and to in is that for it as was with be by on not he this are or his from at
		which but have an they you were her she there been one all we their has would when if so no will can more about
		report meeting budget invoice shipment quarter draft please attached find regards thanks schedule review
		customer account payment order delivery project update agenda minutes notes question answer team office
		Monday Tuesday Wednesday Thursday Friday morning afternoon week month year contract proposal estimate`)
	jaPhrases = []string{"いつもお世話になっております。", "会議の件でご連絡いたします。", "請求書を添付いたしました。",
		"ご確認のほどよろしくお願いいたします。", "来週の打ち合わせは木曜日の午後でいかがでしょうか。", "取引先各位",
		"見積書の内容について質問があります。", "出荷予定日は月末となります。", "引き続きよろしくお願い申し上げます。"}
)

// words returns about n bytes of text in paragraphs, lines wrapped at 72
// columns (Japanese at 36 characters). Now and then a line starts with
// "From " or "> From " (mboxrd must quote them) or is a quoted reply.
func words(r *rand.Rand, n int, japaneseText bool) string {
	var b strings.Builder
	b.Grow(n + 128)
	for b.Len() < n {
		lines := 2 + r.IntN(7)
		quoted := r.IntN(6) == 0
		for range lines {
			var line string
			if japaneseText {
				line = jaLine(r)
			} else {
				line = enLine(r)
			}
			switch x := r.IntN(400); {
			case x == 0:
				line = "From " + line
			case x == 1:
				line = ">From " + line
			}
			if quoted {
				b.WriteString("> ")
			}
			b.WriteString(line)
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func enLine(r *rand.Rand) string {
	var b strings.Builder
	for b.Len() < 60 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(vocabulary[r.IntN(len(vocabulary))])
	}
	return b.String()
}

func jaLine(r *rand.Rand) string {
	var b strings.Builder
	for utf8.RuneCountInString(b.String()) < 30 {
		b.WriteString(jaPhrases[r.IntN(len(jaPhrases))])
	}
	return b.String()
}
