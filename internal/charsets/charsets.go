// Package charsets makes every charset label real mail uses decodable, in
// one place: importing it registers the labels with go-message, and Reader
// is the CharsetReader to give a mime.WordDecoder.
package charsets

import (
	"io"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/japanese"
)

func init() {
	// Labels real Japanese mail uses that go-message does not know (see
	// RECIPES): without them a whole address list fails to decode.
	for _, l := range []string{"cp932", "windows-31j", "x-sjis", "ms_kanji", "ms932", "sjis"} {
		charset.RegisterEncoding(l, japanese.ShiftJIS)
	}
	for _, l := range []string{"iso-2022-jp-ms", "iso-2022-jp-1", "iso-2022-jp-2", "iso-2022-jp-3", "csiso2022jp"} {
		charset.RegisterEncoding(l, japanese.ISO2022JP)
	}
	message.CharsetReader = Reader
}

// Reader decodes input from the named charset to UTF-8.
func Reader(label string, input io.Reader) (io.Reader, error) {
	return charset.Reader(strings.ToLower(strings.TrimSpace(label)), input)
}
