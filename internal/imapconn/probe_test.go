package imapconn_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/secret"
)

// STARTTLS or plain aimed at a port that speaks TLS from the first byte
// (993), or at a web server, is recognised and named, not left to time out
// as a "greeting … deadline exceeded".
func TestDialRecognisesWrongPort(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	tlsSrv := httptest.NewTLSServer(handler)
	defer tlsSrv.Close()
	webSrv := httptest.NewServer(handler)
	defer webSrv.Close()
	hostPort := func(addr string) (string, int) {
		h, p, _ := net.SplitHostPort(addr)
		n, _ := strconv.Atoi(p)
		return h, n
	}
	tests := []struct {
		name     string
		addr     string
		security imapconn.Security
		want     error
	}{
		{"starttls at a TLS port", tlsSrv.Listener.Addr().String(), imapconn.StartTLS, imapconn.ErrPortSpeaksTLS},
		{"plain at a TLS port", tlsSrv.Listener.Addr().String(), imapconn.Plain, imapconn.ErrPortSpeaksTLS},
		{"plain at a web server", webSrv.Listener.Addr().String(), imapconn.Plain, imapconn.ErrPortSpeaksHTTP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host, port := hostPort(tt.addr)
			// The dial timeout is long: the answer must come from the look
			// at the port, not from running out of time.
			_, err := imapconn.Dial(context.Background(), imapconn.Config{Host: host, Port: port, Security: tt.security,
				User: "u", Password: secret.New("p"), DialTimeout: 5 * time.Second, GreetingProbe: time.Millisecond})
			if !errors.Is(err, tt.want) || mailerr.KindOf(err) != mailerr.NotIMAP {
				t.Errorf("Dial() = %v (kind %v), want %v (not-imap)", err, mailerr.KindOf(err), tt.want)
			}
		})
	}
}
