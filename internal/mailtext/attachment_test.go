package mailtext_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mailark/mailark/internal/mailtext"
	"github.com/mailark/mailark/internal/testmail"
)

func TestCopyAttachment(t *testing.T) {
	var b bytes.Buffer
	name, err := mailtext.CopyAttachment(bytes.NewReader(testmail.WithAttachment()), 0, &b)
	if err != nil || name != "mitsumori.pdf" || b.String() != "%PDF-1.4\n" {
		t.Errorf("CopyAttachment(0) = %q, %q, %v; want mitsumori.pdf, the decoded PDF bytes", name, b.String(), err)
	}
	b.Reset()
	if _, err := mailtext.CopyAttachment(bytes.NewReader(testmail.WithAttachment()), 1, &b); !errors.Is(err, mailtext.ErrNoAttachment) || b.Len() != 0 {
		t.Errorf("CopyAttachment(1) = %v, wrote %d bytes; want ErrNoAttachment and nothing", err, b.Len())
	}
}
