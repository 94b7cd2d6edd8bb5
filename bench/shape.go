package main

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A shaping proxy between the contenders and Dovecot's TLS port, to measure
// on the links users really have. It works on TCP (TLS passes through
// untouched) and gives every connection, in each direction:
//
//   - a delay of RTT/2 as a pipe delay: a byte read at t is written at
//     t + RTT/2, so the delay costs round trips, not bandwidth;
//   - a bandwidth cap of its own (perConnBps) and a share of a cap over
//     all connections (totalBps), both token buckets.
//
// A server's connection limit: the proxy closes a connection beyond
// connLimit open at once as soon as it comes (the client's TLS handshake
// fails), and Dovecot is set to the same limit (mail_max_userip_connections:
// a login beyond it is answered NO [LIMIT]; Dovecot counts logins a little
// late, so alone it lets simultaneous ones through).
//
// It also measures how long the link stood idle: per connection, the time
// between the end of one burst of server bytes and the start of the next
// (a gap longer than 5 ms), summed over connections. A client that waits
// for one answer before it sends the next command leaves a round trip idle
// per command; one that pipelines leaves almost none.

// profile is one link to measure on.
type profile struct {
	name       string
	rtt        time.Duration
	perConnBps float64 // 0: no cap
	totalBps   float64 // 0: no cap
	connLimit  int     // the server's connections per user (0: Dovecot's default, 10)
}

var profiles = map[string]profile{
	"loopback": {name: "loopback (no proxy)"},
	"rtt40":    {name: "RTT 40 ms, 4 MB/s per connection, no total cap", rtt: 40 * time.Millisecond, perConnBps: 4e6},
	"rtt100":   {name: "RTT 100 ms, 2 MB/s per connection, 8 MB/s in all", rtt: 100 * time.Millisecond, perConnBps: 2e6, totalBps: 8e6},
	"rtt10":    {name: "RTT 10 ms, no cap", rtt: 10 * time.Millisecond},
	"limit2":   {name: "server allows 2 connections; RTT 40 ms, 4 MB/s per connection", rtt: 40 * time.Millisecond, perConnBps: 4e6, connLimit: 2},
}

var profileOrder = []string{"loopback", "rtt10", "rtt40", "rtt100", "limit2"}

func parseProfiles(s string) ([]profile, error) {
	var out []profile
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		p, ok := profiles[name]
		if !ok {
			return nil, fmt.Errorf("-profiles: unknown profile %q (have %s)", name, strings.Join(profileOrder, ", "))
		}
		out = append(out, p)
	}
	return out, nil
}

// shaped tells whether the profile needs the proxy.
func (p profile) shaped() bool { return p.rtt > 0 || p.perConnBps > 0 || p.totalBps > 0 }

// ideal is the wall time of moving bytes over k connections at the caps,
// with no round trip idle: 0 when nothing caps the link.
func (p profile) ideal(bytes int64, k int) time.Duration {
	bps := p.perConnBps * float64(k)
	if p.totalBps > 0 && (bps == 0 || bps > p.totalBps) {
		bps = p.totalBps
	}
	if bps == 0 {
		return 0
	}
	return time.Duration(float64(bytes) / bps * float64(time.Second))
}

// bucket is a token bucket: take waits until n bytes may pass.
type bucket struct {
	mu   sync.Mutex
	bps  float64
	next time.Time // when the bytes taken so far have all passed
}

// reserve returns when n bytes taken now will have passed.
func (b *bucket) reserve(n int) time.Time {
	if b == nil || b.bps <= 0 {
		return time.Time{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if b.next.Before(now) {
		b.next = now
	}
	b.next = b.next.Add(time.Duration(float64(n) / b.bps * float64(time.Second)))
	return b.next
}

type shaper struct {
	p      profile
	target string
	ln     net.Listener
	Port   int
	total  *bucket

	idle    atomic.Int64 // nanoseconds the links stood idle, summed over connections
	conns   atomic.Int64
	openNow atomic.Int64
	refused atomic.Int64
	mu      sync.Mutex
	open    []net.Conn
}

func startShaper(target string, p profile) (*shaper, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &shaper{p: p, target: target, ln: ln, Port: ln.Addr().(*net.TCPAddr).Port}
	if p.totalBps > 0 {
		s.total = &bucket{bps: p.totalBps}
	}
	go s.serve()
	return s, nil
}

func (s *shaper) Close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
}

// takeIdle returns the idle time measured since the last call, and the
// connections opened.
func (s *shaper) takeIdle() (time.Duration, int, int) {
	return time.Duration(s.idle.Swap(0)), int(s.conns.Swap(0)), int(s.refused.Swap(0))
}

func (s *shaper) serve() {
	for {
		client, err := s.ln.Accept()
		if err != nil {
			return
		}
		if s.p.connLimit > 0 && s.openNow.Load() >= int64(s.p.connLimit) {
			s.refused.Add(1)
			client.Close()
			continue
		}
		server, err := net.Dial("tcp", s.target)
		if err != nil {
			client.Close()
			continue
		}
		s.conns.Add(1)
		s.openNow.Add(1)
		s.mu.Lock()
		s.open = append(s.open, client, server)
		s.mu.Unlock()
		var once sync.Once
		closeBoth := func() {
			once.Do(func() {
				client.Close()
				server.Close()
				s.openNow.Add(-1)
			})
		}
		go s.pipe(server, client, closeBoth, true)
		go s.pipe(client, server, closeBoth, false)
	}
}

// chunk is bytes on their way, due at a time.
type chunk struct {
	b   []byte
	due time.Time
}

// pipe copies src to dst through the connection's bucket, the total one
// (for the server's bytes) and the delay line.
func (s *shaper) pipe(src, dst net.Conn, closeBoth func(), down bool) {
	delay := s.p.rtt / 2
	own := &bucket{bps: s.p.perConnBps}
	line := make(chan chunk, 4096)
	go func() {
		defer closeBoth()
		for c := range line {
			if d := time.Until(c.due); d > 0 {
				time.Sleep(d)
			}
			if _, err := dst.Write(c.b); err != nil {
				for range line {
				}
				return
			}
		}
	}()
	defer close(line)
	const piece = 16 << 10
	first := true
	for {
		buf := make([]byte, piece)
		readStart := time.Now()
		n, err := src.Read(buf)
		if n > 0 {
			if waited := time.Since(readStart); down && !first && waited > 5*time.Millisecond {
				// Nothing was coming from the server for a while, data
				// came after: a round trip, or the server's work.
				s.idle.Add(int64(waited))
			}
			first = false
			passed := own.reserve(n)
			if down {
				if t := s.total.reserve(n); t.After(passed) {
					passed = t
				}
			}
			if d := time.Until(passed); d > 0 {
				time.Sleep(d)
			}
			line <- chunk{b: buf[:n], due: time.Now().Add(delay)}
		}
		if err != nil {
			return // EOF or a closed connection: the writer closes both
		}
	}
}
