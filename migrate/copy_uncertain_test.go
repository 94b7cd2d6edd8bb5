package migrate

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/testimap"
)

// TestAwaitSettledWhileTheServerStores: a server still storing what a
// broken connection sent (its UIDNEXT growing) is waited for past
// settleFrom, until it stops. TestCopyFindsWhatTheServerStoresLate shows
// the wait and the second look at work in a copy.
func TestAwaitSettledWhileTheServerStores(t *testing.T) {
	srv := testimap.Start(t, nil)
	ctx := context.Background()
	c, err := imapconn.Dial(ctx, srv.Conn())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	broke := time.Now()
	done := make(chan error, 1)
	go func() { done <- awaitSettled(ctx, c, "INBOX", broke) }()

	// A message stored every 50 ms for 2.5 s: well past settleFrom, each
	// well within settleQuiet of the one before.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := range 50 {
		<-tick.C
		select {
		case err := <-done:
			t.Fatalf("awaitSettled() = %v after %v, while the server was still storing (message %d of 50)",
				err, time.Since(broke).Round(time.Millisecond), i+1)
		default:
		}
		raw := fmt.Sprintf("From: a@example.jp\r\nSubject: late %d\r\nMessage-ID: <late-%d@example.jp>\r\n\r\nbody\r\n", i, i)
		srv.AppendMessage("INBOX", []byte(raw), nil, time.Date(2024, 3, 5, 9, 0, 0, 0, time.UTC))
	}
	if err := <-done; err != nil {
		t.Fatalf("awaitSettled() = %v", err)
	}
}
