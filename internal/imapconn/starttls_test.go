package imapconn_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/secret"
)

// TestStartTLSRefusedSaysSo: a server that offers STARTTLS and answers it
// with NO refused it; it is not a server without STARTTLS.
func TestStartTLSRefusedSaysSo(t *testing.T) {
	p := scripted(t, "* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n", func(line string, w net.Conn) {
		w.Write([]byte(tag(line) + " NO [UNAVAILABLE] not now\r\n"))
	})
	_, err := imapconn.Dial(context.Background(), imapconn.Config{Host: "127.0.0.1", Port: p, Security: imapconn.StartTLS,
		User: "u", Password: secret.New("p"), DialTimeout: 10 * time.Second})
	if mailerr.KindOf(err) != mailerr.ServerError {
		t.Fatalf("Dial() = %v (kind %v), want the server's refusal (%v)", err, mailerr.KindOf(err), mailerr.ServerError)
	}
	if msg := err.Error(); !strings.Contains(msg, "not now") || strings.Contains(msg, "does not offer") {
		t.Errorf("Dial() = %q: want the server's answer, not \"does not offer STARTTLS\"", msg)
	}
}
