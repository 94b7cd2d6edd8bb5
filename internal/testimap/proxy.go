package testimap

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Fault is what a Proxy does to one connection. The zero Fault passes
// everything through.
type Fault struct {
	// CutDownAfter closes the connection once this many bytes went from
	// server to client (0: never). CutUpAfter likewise for client to server.
	CutDownAfter, CutUpAfter int64
	// Reset closes with a TCP RST instead of a FIN.
	Reset bool
	// StallDownAfter stops forwarding server bytes after this many, holding
	// the connection open and silent until the proxy closes.
	StallDownAfter int64
	// Delay slows each forwarded chunk (a slow link).
	Delay time.Duration
	// RefuseCommand answers the client's n-th tagged command (1-based)
	// with "TAG NO [UNAVAILABLE]" in the server's place, APPEND included
	// (a synchronizing literal is refused before it is sent, a LITERAL+
	// one swallowed): the server never sees it. Plain text only.
	RefuseCommand int
	// ByeDownAfter sends "* BYE" and hangs up at the first end of a
	// server line (outside literals) after this many bytes from server to
	// client. Plain text only.
	ByeDownAfter int64
	// ByeText replaces the proxy's own BYE line (ending in CRLF).
	ByeText string
	// TrickleDownAfter, with TrickleEvery, passes server bytes normally up
	// to this many, then one byte every TrickleEvery: a server that
	// dribbles and never quite stops.
	TrickleDownAfter int64
	TrickleEvery     time.Duration
	// Hold keeps every server byte (the greeting too) until the channel
	// is closed: a server that answers late, for as long as a test says.
	Hold <-chan struct{}
	// UpLag hands each client byte to the server this long after the
	// proxy read it, without slowing the flow, and a cut (CutUpAfter)
	// closes the client's side at once but the server's only after the
	// bytes read before the cut went through: a server that is still
	// storing commands it had read when the client saw the link break.
	// Not with RefuseCommand or ByeDownAfter.
	UpLag time.Duration
}

// Proxy forwards loopback connections to a target and injects faults, per
// connection, as the plan says.
type Proxy struct {
	Addr string
	Host string
	Port int

	ln      net.Listener
	target  string
	plan    func(n int) Fault
	conns   atomic.Int64
	cuts    atomic.Int64
	refused atomic.Int64
	cmds    atomic.Int64
	up      atomic.Int64 // bytes forwarded client to server
	down    atomic.Int64 // and server to client
	mu      sync.Mutex
	open    []net.Conn
	closed  chan struct{}

	// A server's limit on connections open at once (LimitOpen).
	maxOpen   int
	limitText string
	openNow   atomic.Int64
	// maxPending: see MaxPending.
	maxPending atomic.Int64
	sent       []Sent // under mu: see Sent
	refusedAs  []Sent // under mu: see RefusedCommands
	turned     atomic.Int64
}

// LimitOpen makes the proxy a server that allows n connections open at
// once: a connection beyond them gets greeting (for instance "* BYE Too
// many connections") and is closed. Call it before the first connection.
func (p *Proxy) LimitOpen(n int, greeting string) {
	p.maxOpen, p.limitText = n, greeting
}

// TurnedAway is how many connections LimitOpen turned away.
func (p *Proxy) TurnedAway() int { return int(p.turned.Load()) }

// StartProxy listens on 127.0.0.1:0 and forwards to target. plan gives the
// fault for the n-th connection (0-based); nil passes everything.
func StartProxy(t testing.TB, target string, plan func(n int) Fault) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if plan == nil {
		plan = func(int) Fault { return Fault{} }
	}
	a := ln.Addr().(*net.TCPAddr)
	p := &Proxy{Addr: a.String(), Host: "127.0.0.1", Port: a.Port, ln: ln, target: target, plan: plan,
		closed: make(chan struct{})}
	go p.serve()
	t.Cleanup(p.Close)
	return p
}

// Conns is the number of connections accepted; Cuts the number cut (BYE
// included); Refused the number of commands the proxy answered NO.
func (p *Proxy) Conns() int   { return int(p.conns.Load()) }
func (p *Proxy) Cuts() int    { return int(p.cuts.Load()) }
func (p *Proxy) Refused() int { return int(p.refused.Load()) }

// Commands is how many tagged commands the IMAP-aware pipes saw (a Fault
// with RefuseCommand: math.MaxInt counts them and refuses none).
func (p *Proxy) Commands() int { return int(p.cmds.Load()) }

// Bytes is how many bytes went through so far over all connections: up
// from client to server, down from server to client.
func (p *Proxy) Bytes() (up, down int64) { return p.up.Load(), p.down.Load() }

// Close stops the proxy and every connection through it.
func (p *Proxy) Close() {
	select {
	case <-p.closed:
		return
	default:
	}
	close(p.closed)
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.open {
		c.Close()
	}
	p.mu.Unlock()
}

func (p *Proxy) track(c net.Conn) {
	p.mu.Lock()
	p.open = append(p.open, c)
	p.mu.Unlock()
}

func (p *Proxy) serve() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.maxOpen > 0 && p.openNow.Load() >= int64(p.maxOpen) {
			p.turned.Add(1)
			_, _ = client.Write([]byte(p.limitText))
			client.Close()
			continue
		}
		n := int(p.conns.Add(1) - 1)
		f := p.plan(n)
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		p.track(client)
		p.track(server)
		p.openNow.Add(1)
		var once sync.Once
		upDone := make(chan struct{}) // see UpLag
		kill := func(cut bool) {
			once.Do(func() {
				p.openNow.Add(-1)
				if cut {
					p.cuts.Add(1)
				}
				if f.Reset {
					if tc, ok := client.(*net.TCPConn); ok {
						tc.SetLinger(0)
					}
				}
				client.Close()
				if f.UpLag > 0 {
					go func() {
						<-upDone // the lagging bytes go through first
						server.Close()
					}()
					return
				}
				server.Close()
			})
		}
		if f.imapAware() {
			toClient := &lockedWriter{w: client}
			pending := new(atomic.Int64)
			go p.pipeDownLines(server, toClient, f.ByeDownAfter, f.ByeText, kill, pending)
			go p.pipeUpLines(n, client, server, toClient, f.RefuseCommand, kill, &p.refused, pending)
			continue
		}
		down := client
		if f.TrickleDownAfter > 0 && f.TrickleEvery > 0 {
			down = &trickleConn{Conn: client, after: f.TrickleDownAfter, every: f.TrickleEvery, closed: p.closed}
		}
		if f.Hold != nil {
			down = &holdConn{Conn: down, hold: f.Hold, closed: p.closed}
		}
		if f.UpLag > 0 {
			// The server's answers after the cut are read and dropped, as
			// the network would: unread, they would make the close of the
			// server's side a reset, which discards what it has not read.
			down = &swallowConn{Conn: down}
		}
		go p.pipe(server, down, f.CutDownAfter, f.StallDownAfter, f.Delay, kill, &p.down)
		if f.UpLag > 0 {
			go p.pipeLagging(client, server, f.CutUpAfter, f.UpLag, kill, upDone)
			continue
		}
		go p.pipe(client, server, f.CutUpAfter, 0, f.Delay, kill, &p.up)
	}
}

// pipeLagging forwards client bytes to the server lag after reading each
// chunk (Fault.UpLag), cutting after cutAfter bytes (0: never). It closes
// done when the last chunk read went through.
func (p *Proxy) pipeLagging(client, server net.Conn, cutAfter int64, lag time.Duration, kill func(bool), done chan<- struct{}) {
	type chunk struct {
		due  time.Time
		data []byte
	}
	queue := make(chan chunk, 1<<14)
	go func() {
		defer close(done)
		broken := false
		for c := range queue {
			if broken {
				continue
			}
			select {
			case <-time.After(time.Until(c.due)):
			case <-p.closed:
				broken = true
				continue
			}
			if _, err := server.Write(c.data); err != nil {
				broken = true
				continue
			}
			p.up.Add(int64(len(c.data)))
		}
	}()
	defer close(queue)
	buf := make([]byte, 32<<10)
	var read int64
	for {
		n, err := client.Read(buf)
		if n > 0 {
			data := buf[:n]
			cut := cutAfter > 0 && read+int64(n) >= cutAfter
			if cut {
				data = data[:cutAfter-read]
			}
			read += int64(len(data))
			queue <- chunk{due: time.Now().Add(lag), data: append([]byte(nil), data...)}
			if cut {
				kill(true)
				return
			}
		}
		if err != nil {
			kill(false)
			return
		}
	}
}

func (p *Proxy) pipe(src, dst net.Conn, cutAfter, stallAfter int64, delay time.Duration, kill func(bool), count *atomic.Int64) {
	buf := make([]byte, 32<<10)
	var done int64
	for {
		n, err := src.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			limit := int64(-1)
			if cutAfter > 0 {
				limit = cutAfter
			}
			if stallAfter > 0 && (limit < 0 || stallAfter < limit) {
				limit = stallAfter
			}
			if limit >= 0 && done+int64(n) >= limit {
				chunk = chunk[:limit-done]
				m, _ := dst.Write(chunk)
				count.Add(int64(m))
				if cutAfter > 0 && limit == cutAfter {
					kill(true)
					return
				}
				// Stall: hold everything until the proxy closes.
				<-p.closed
				kill(false)
				return
			}
			if delay > 0 {
				time.Sleep(delay)
			}
			if _, werr := dst.Write(chunk); werr != nil {
				kill(false)
				return
			}
			done += int64(n)
			count.Add(int64(n))
		}
		if err != nil {
			if err != io.EOF {
				kill(false)
				return
			}
			kill(false)
			return
		}
	}
}

// swallowConn takes every write once one has failed.
type swallowConn struct {
	net.Conn
	failed bool
}

func (c *swallowConn) Write(p []byte) (int, error) {
	if !c.failed {
		if _, err := c.Conn.Write(p); err != nil {
			c.failed = true
		}
	}
	return len(p), nil
}

// holdConn writes nothing until hold is closed.
type holdConn struct {
	net.Conn
	hold, closed <-chan struct{}
}

func (c *holdConn) Write(p []byte) (int, error) {
	select {
	case <-c.hold:
	case <-c.closed:
		return 0, net.ErrClosed
	}
	return c.Conn.Write(p)
}

// trickleConn writes normally up to after bytes, then one byte every every.
type trickleConn struct {
	net.Conn
	after  int64
	every  time.Duration
	closed chan struct{}
	done   int64
}

func (c *trickleConn) Write(p []byte) (int, error) {
	n := 0
	if c.done < c.after {
		k := int(min(int64(len(p)), c.after-c.done))
		m, err := c.Conn.Write(p[:k])
		n += m
		c.done += int64(m)
		if err != nil {
			return n, err
		}
	}
	t := time.NewTicker(c.every)
	defer t.Stop()
	for n < len(p) {
		select {
		case <-t.C:
		case <-c.closed:
			return n, net.ErrClosed
		}
		m, err := c.Conn.Write(p[n : n+1])
		n += m
		c.done += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
