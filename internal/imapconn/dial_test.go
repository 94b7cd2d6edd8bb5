package imapconn_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
)

const (
	testUser = "hanako@old-isp.example"
	testPass = "correct horse battery staple"
)

// serve runs go-imap's in-memory server on ln until the test ends.
func serve(t *testing.T, ln net.Listener, tlsConfig *tls.Config) {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser(testUser, testPass)
	u.Create("INBOX", nil)
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		TLSConfig:    tlsConfig,
		Logger:       log.New(io.Discard, "", 0),
	})
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func port(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port }

// selfSigned makes a certificate for 127.0.0.1 and localhost and writes its
// PEM to a file.
func selfSigned(t *testing.T, notAfter time.Time) (tls.Certificate, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailark test"},
		NotBefore: time.Now().Add(-2 * time.Hour), NotAfter: notAfter,
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, path
}

func dial(t *testing.T, cfg imapconn.Config) error {
	t.Helper()
	if cfg.User == "" {
		cfg.User = testUser
	}
	if cfg.Password.Empty() {
		cfg.Password = secret.New(testPass)
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	c, err := imapconn.Dial(context.Background(), cfg)
	if err == nil {
		c.Close()
	}
	return err
}

func TestDialErrors(t *testing.T) {
	plain := listen(t)
	serve(t, plain, nil)

	cert, caFile := selfSigned(t, time.Now().Add(time.Hour))
	tlsLn := listen(t)
	serve(t, tls.NewListener(tlsLn, &tls.Config{Certificates: []tls.Certificate{cert}}), nil)

	expired, expiredCA := selfSigned(t, time.Now().Add(-time.Hour))
	expLn := listen(t)
	serve(t, tls.NewListener(expLn, &tls.Config{Certificates: []tls.Certificate{expired}}), nil)

	startLn := listen(t)
	serve(t, startLn, &tls.Config{Certificates: []tls.Certificate{cert}})

	closed := listen(t)
	closedPort := port(closed)
	closed.Close()

	// A server that is not IMAP: it greets like SSH.
	sshPort := testimap.ServeLoopback(t, func(c net.Conn) {
		c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n"))
		time.AfterFunc(2*time.Second, func() { c.Close() })
	})

	tests := []struct {
		name string
		cfg  imapconn.Config
		want mailerr.Kind // Unknown: success
	}{
		{"plain on loopback works", imapconn.Config{Host: "127.0.0.1", Port: port(plain), Security: imapconn.Plain}, mailerr.Unknown},
		{"wrong password", imapconn.Config{Host: "127.0.0.1", Port: port(plain), Security: imapconn.Plain, Password: secret.New("wrong")}, mailerr.AuthFailed},
		{"unknown host", imapconn.Config{Host: "no-such-host.invalid", Port: 993}, mailerr.HostNotFound},
		{"connection refused", imapconn.Config{Host: "127.0.0.1", Port: closedPort, Security: imapconn.Plain}, mailerr.ConnRefused},
		{"self-signed refused", imapconn.Config{Host: "127.0.0.1", Port: port(tlsLn)}, mailerr.CertUntrusted},
		{"self-signed trusted with ca file", imapconn.Config{Host: "127.0.0.1", Port: port(tlsLn), CAFile: caFile}, mailerr.Unknown},
		{"certificate for another name", imapconn.Config{Host: "imap.other.example", Port: port(tlsLn), CAFile: caFile,
			Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, tlsLn.Addr().String())
			}}, mailerr.CertMismatch},
		{"expired certificate", imapconn.Config{Host: "127.0.0.1", Port: port(expLn), CAFile: expiredCA}, mailerr.CertExpired},
		{"tls to a plain port", imapconn.Config{Host: "127.0.0.1", Port: port(plain)}, mailerr.NotTLS},
		{"starttls works", imapconn.Config{Host: "127.0.0.1", Port: port(startLn), Security: imapconn.StartTLS, CAFile: caFile}, mailerr.Unknown},
		{"starttls refuses self-signed", imapconn.Config{Host: "127.0.0.1", Port: port(startLn), Security: imapconn.StartTLS}, mailerr.CertUntrusted},
		{"starttls not offered", imapconn.Config{Host: "127.0.0.1", Port: port(plain), Security: imapconn.StartTLS}, mailerr.NoStartTLS},
		{"not an imap server", imapconn.Config{Host: "127.0.0.1", Port: sshPort, Security: imapconn.Plain}, mailerr.NotIMAP},
		{"plain to another machine refused", imapconn.Config{Host: "192.0.2.1", Port: 143, Security: imapconn.Plain}, mailerr.InsecureRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := dial(t, tt.cfg)
			if tt.want == mailerr.Unknown {
				if err != nil {
					t.Fatalf("Dial() = %v, want success", err)
				}
				return
			}
			if got := mailerr.KindOf(err); got != tt.want {
				t.Fatalf("Dial() = %v (kind %v), want kind %v", err, got, tt.want)
			}
			if strings.Contains(err.Error(), testPass) {
				t.Fatalf("error text holds the password: %v", err)
			}
		})
	}
}

func TestDialCancelled(t *testing.T) {
	// A server that accepts and never greets: it reads until the client
	// hangs up.
	silent := testimap.ServeLoopback(t, func(c net.Conn) {
		defer c.Close()
		io.Copy(io.Discard, c)
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := imapconn.Dial(ctx, imapconn.Config{Host: "127.0.0.1", Port: silent, Security: imapconn.Plain,
			User: testUser, Password: secret.New(testPass)})
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial() after cancel = %v, want context.Canceled", err)
	}
}

func TestDebugRedactsPassword(t *testing.T) {
	ln := listen(t)
	serve(t, ln, nil)
	var log bytes.Buffer
	cfg := imapconn.Config{Host: "127.0.0.1", Port: port(ln), Security: imapconn.Plain, Debug: &log}
	if err := dial(t, cfg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "redacted") {
		t.Fatalf("debug log shows no redaction:\n%s", log.String())
	}
	if strings.Contains(log.String(), testPass) {
		t.Fatalf("debug log holds the password")
	}
	// AUTHENTICATE PLAIN sends base64("\x00user\x00pass").
	for _, enc := range []string{"aGFuYWtv", "Y29ycmVjdCBob3JzZ"} {
		if strings.Contains(log.String(), enc) {
			t.Fatalf("debug log holds encoded credentials %q", enc)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{"127.0.0.1": true, "localhost": true, "::1": true, "[::1]": true,
		"127.8.9.10": true, "imap.example.com": false, "192.168.1.1": false, "10.0.0.1": false} {
		if got := imapconn.IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}
