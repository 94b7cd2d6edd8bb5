package demo_test

import (
	"context"
	"net"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/demo"
)

// Start serves both demo accounts; Stop closes the server (twice is fine).
func TestStart(t *testing.T) {
	r, err := demo.Start(context.Background())
	if err != nil {
		t.Fatalf("Start() = %v", err)
	}
	if r.Host != "127.0.0.1" || r.Port == 0 {
		t.Fatalf("Start() serves on %s", r.Addr())
	}
	old := login(t, r.Addr(), r.Old.User, r.Old.Password)
	if st, err := old.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait(); err != nil || st.NumMessages == nil || *st.NumMessages == 0 {
		t.Errorf("old account's INBOX: %v", err)
	}
	login(t, r.Addr(), r.New.User, r.New.Password)
	if err := r.Stop(); err != nil {
		t.Errorf("Stop() = %v", err)
	}
	if err := r.Stop(); err != nil {
		t.Errorf("second Stop() = %v", err)
	}
	if c, err := net.Dial("tcp", r.Addr()); err == nil {
		c.Close()
		t.Error("the demo server still accepts after Stop")
	}
}
