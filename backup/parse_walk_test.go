package backup

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/mailtext"
	"github.com/mailark/mailark/internal/testmail"
)

// TestBodyTextMatchesStreaming: on every message of the demo account (text,
// HTML, alternatives, nested multiparts, attachments, forwarded messages,
// Japanese charsets) and every test fixture, with CRLF and with LF line
// breaks, the index text of a message in memory is what go-message's
// streaming reader gives, and a spooled message is described like one in
// memory.
func TestBodyTextMatchesStreaming(t *testing.T) {
	var msgs [][]byte
	for _, f := range demo.OldProvider().Folders {
		for _, m := range f.Messages {
			msgs = append(msgs, m.Raw)
		}
	}
	for _, f := range append(testmail.Charsets(), testmail.Broken()...) {
		msgs = append(msgs, f.Raw)
	}
	checked, withText := 0, 0
	for i, raw := range msgs {
		for _, msg := range [][]byte{raw, bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))} {
			got, want := mailtext.BodyText(msg), mailtext.BodyTextStream(bytes.NewReader(msg))
			if got != want {
				t.Fatalf("message %d: bodyText gave\n%q\nstreaming gave\n%q", i, trunc(got), trunc(want))
			}
			var inMemory, spooled archive.Entry
			describe(&inMemory, msg)
			describeSpooled(&spooled, bytes.NewReader(msg), int64(len(msg)))
			if !reflect.DeepEqual(inMemory, spooled) {
				t.Fatalf("message %d: described in memory as\n%+v\nspooled as\n%+v", i, inMemory, spooled)
			}
			checked++
			if strings.TrimSpace(got) != "" {
				withText++
			}
		}
	}
	if checked < 1000 || withText < checked*9/10 {
		t.Fatalf("checked %d messages, %d with text: the corpus is not what this test needs", checked, withText)
	}
}

func trunc(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}
