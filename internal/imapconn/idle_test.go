package imapconn

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// countingConn counts the reads that reach the connection.
type countingConn struct {
	net.Conn
	reads int
}

func (c *countingConn) Read(p []byte) (int, error) {
	c.reads++
	return c.Conn.Read(p)
}

// TestIdleTimeoutEndsTheConnection: once a read has waited the idle time in
// vain, the connection is over. crypto/tls and go-imap treat a timeout as
// temporary and read again; each such read must fail at once, not wait the
// idle time anew (a stall would otherwise take several times the timeout).
func TestIdleTimeoutEndsTheConnection(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	cc := &countingConn{Conn: client}
	c := &idleConn{Conn: cc, idle: 20 * time.Millisecond}

	go server.Write([]byte("* OK hello\r\n"))
	buf := make([]byte, 64)
	if n, err := c.Read(buf); err != nil || string(buf[:n]) != "* OK hello\r\n" {
		t.Fatalf("first Read() = %q, %v", buf[:n], err)
	}
	// Nothing more comes: the read times out.
	_, err := c.Read(buf)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read() on a silent connection = %v, want a timeout", err)
	}
	for i := 0; i < 4; i++ {
		if _, err2 := c.Read(buf); !errors.Is(err2, os.ErrDeadlineExceeded) {
			t.Fatalf("Read() %d after the timeout = %v, want the timeout again", i+1, err2)
		}
	}
	if cc.reads != 2 {
		t.Errorf("%d reads reached the connection, want 2: reads after the timeout must not wait again", cc.reads)
	}
	// The connection is closed: the server side sees it.
	server.SetWriteDeadline(time.Now().Add(time.Second))
	if _, err := server.Write([]byte("late")); err == nil {
		t.Errorf("the server could still write after the timeout: the connection was not closed")
	}
}

// TestTrickleEndsTheConnection: a server that sends a byte now and then
// never trips the idle timeout; fewer than TrickleBytes over the window of
// waiting ends the connection, with a *TrickleError that counts as a
// timeout. A server that sends enough is left alone.
func TestTrickleEndsTheConnection(t *testing.T) {
	cfg := Config{IdleTimeout: time.Second, TrickleWindow: 250 * time.Millisecond, TrickleBytes: 1 << 10}
	t.Run("dribble", func(t *testing.T) {
		client, server := net.Pipe()
		defer server.Close()
		c := newIdleConn(client, cfg)
		go func() {
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for range tick.C {
				if _, err := server.Write([]byte("x")); err != nil {
					return
				}
			}
		}()
		buf := make([]byte, 64)
		var err error
		for i := 0; i < 10_000 && err == nil; i++ {
			_, err = c.Read(buf)
		}
		var te *TrickleError
		if !errors.As(err, &te) || te.Bytes >= cfg.TrickleBytes {
			t.Fatalf("Read() from a dribbling server = %v, want a TrickleError", err)
		}
		if ne := net.Error(nil); !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("%v is not a timeout", err)
		}
		if c.trickled() == nil {
			t.Errorf("trickled() = nil after the cut")
		}
	})
	t.Run("enough", func(t *testing.T) {
		client, server := net.Pipe()
		defer server.Close()
		c := newIdleConn(client, cfg)
		chunk := make([]byte, 4<<10)
		go func() {
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for i := 0; i < 100; i++ { // 400 KB over about 500 ms: five windows
				<-tick.C
				if _, err := server.Write(chunk); err != nil {
					return
				}
			}
			server.Close()
		}()
		n, err := io.Copy(io.Discard, c)
		if err != nil || n != 100*int64(len(chunk)) {
			t.Fatalf("read %d bytes, %v; want every byte of a steady server", n, err)
		}
	})
}

// TestIdleWaitsWhileWeSend: a server is silent while it reads a long
// literal (an APPEND on a slow link). As long as we keep sending, that
// silence is not a stall; once we stop, the idle time counts again.
func TestIdleWaitsWhileWeSend(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	c := &idleConn{Conn: client, idle: 50 * time.Millisecond}

	read := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 64))
		read <- err
	}()
	// The server reads what we send and says nothing, for many idle times.
	go io.Copy(io.Discard, server)
	chunk := make([]byte, 512)
	for start := time.Now(); time.Since(start) < 10*c.idle; {
		if _, err := c.Write(chunk); err != nil {
			t.Fatalf("Write() = %v while sending a literal", err)
		}
		select {
		case err := <-read:
			t.Fatalf("Read() = %v while we were still sending, want it to wait", err)
		default:
		}
	}
	// We stopped sending: the silence now ends the connection.
	if err := <-read; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read() after we stopped sending = %v, want a timeout", err)
	}
}
