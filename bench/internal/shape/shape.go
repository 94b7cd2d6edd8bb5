// Package shape is the benchmarks' shaping proxy: a link with a round-trip
// time, bandwidth caps and a server's connection limit, on loopback.
package shape

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
type Profile struct {
	Name       string
	RTT        time.Duration
	PerConnBps float64 // 0: no cap
	TotalBps   float64 // 0: no cap
	ConnLimit  int     // the server's connections per user (0: Dovecot's default, 10)
}

// Profiles are the links the benchmarks measure on, by name.
var Profiles = map[string]Profile{
	"loopback": {Name: "loopback (no proxy)"},
	"rtt40":    {Name: "RTT 40 ms, 4 MB/s per connection, no total cap", RTT: 40 * time.Millisecond, PerConnBps: 4e6},
	"rtt100":   {Name: "RTT 100 ms, 2 MB/s per connection, 8 MB/s in all", RTT: 100 * time.Millisecond, PerConnBps: 2e6, TotalBps: 8e6},
	"rtt10":    {Name: "RTT 10 ms, no cap", RTT: 10 * time.Millisecond},
	"limit2":   {Name: "server allows 2 connections; RTT 40 ms, 4 MB/s per connection", RTT: 40 * time.Millisecond, PerConnBps: 4e6, ConnLimit: 2},
}

// Order lists the profiles' names from the fastest link to the slowest.
var Order = []string{"loopback", "rtt10", "rtt40", "rtt100", "limit2"}

// Parse reads a comma list of profile names.
func Parse(s string) ([]Profile, error) {
	var out []Profile
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		p, ok := Profiles[name]
		if !ok {
			return nil, fmt.Errorf("-profiles: unknown profile %q (have %s)", name, strings.Join(Order, ", "))
		}
		out = append(out, p)
	}
	return out, nil
}

// Shaped tells whether the profile needs the proxy.
func (p Profile) Shaped() bool { return p.RTT > 0 || p.PerConnBps > 0 || p.TotalBps > 0 }

// Ideal is the wall time of moving bytes over k connections at the caps,
// with no round trip idle: 0 when nothing caps the link.
func (p Profile) Ideal(bytes int64, k int) time.Duration {
	bps := p.PerConnBps * float64(k)
	if p.TotalBps > 0 && (bps == 0 || bps > p.TotalBps) {
		bps = p.TotalBps
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

// reserve returns when n bytes that arrived at the link at arrived will
// have passed: the link sends them from arrived or, when it is still
// busy, from when it is free.
func (b *bucket) reserve(n int, arrived time.Time) time.Time {
	if b == nil || b.bps <= 0 {
		return time.Time{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.next.Before(arrived) {
		b.next = arrived
	}
	b.next = b.next.Add(time.Duration(float64(n) / b.bps * float64(time.Second)))
	return b.next
}

// Shaper is a running shaping proxy.
type Shaper struct {
	p      Profile
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
	stats   []*ConnStat // since the last TakeConns
}

// ConnStat is one connection's use of the link, for a timeline: when it
// opened, when its first and last server bytes had passed, and how many.
type ConnStat struct {
	Opened, First, Last time.Time
	Bytes               int64
	// Gaps are the longest waits for the server's next bytes (over 50 ms,
	// the first 32): when each began, and how long.
	Gaps []Gap
}

// Gap is a wait for the server's bytes on one connection.
type Gap struct {
	At  time.Time
	For time.Duration
}

// TakeConns returns the connections opened since the last call, with what
// they carried so far.
func (s *Shaper) TakeConns() []ConnStat {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ConnStat, len(s.stats))
	for i, st := range s.stats {
		out[i] = *st
		out[i].Gaps = append([]Gap(nil), st.Gaps...)
	}
	s.stats = nil
	return out
}

// Start listens on 127.0.0.1 (Port) and forwards each connection to
// target through the profile's link.
func Start(target string, p Profile) (*Shaper, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Shaper{p: p, target: target, ln: ln, Port: ln.Addr().(*net.TCPAddr).Port}
	if p.TotalBps > 0 {
		s.total = &bucket{bps: p.TotalBps}
	}
	go s.serve()
	return s, nil
}

// Close stops the proxy and its connections.
func (s *Shaper) Close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
}

// TakeIdle returns the idle time measured since the last call, and the
// connections opened.
func (s *Shaper) TakeIdle() (time.Duration, int, int) {
	return time.Duration(s.idle.Swap(0)), int(s.conns.Swap(0)), int(s.refused.Swap(0))
}

func (s *Shaper) serve() {
	for {
		client, err := s.ln.Accept()
		if err != nil {
			return
		}
		if s.p.ConnLimit > 0 && s.openNow.Load() >= int64(s.p.ConnLimit) {
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
		st := &ConnStat{Opened: time.Now()}
		s.mu.Lock()
		s.open = append(s.open, client, server)
		s.stats = append(s.stats, st)
		s.mu.Unlock()
		var once sync.Once
		closeBoth := func() {
			once.Do(func() {
				client.Close()
				server.Close()
				s.openNow.Add(-1)
			})
		}
		go s.pipe(server, client, closeBoth, st)
		go s.pipe(client, server, closeBoth, nil)
	}
}

// chunk is bytes on their way, due at a time.
type chunk struct {
	b   []byte
	due time.Time
}

// pipe copies src to dst through the connection's bucket, the total one
// (for the server's bytes) and the delay line. st is the connection's
// record for the server's bytes (down), nil for the client's.
func (s *Shaper) pipe(src, dst net.Conn, closeBoth func(), st *ConnStat) {
	down := st != nil
	delay := s.p.RTT / 2
	own := &bucket{bps: s.p.PerConnBps}
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
	var lastPassed time.Time // when the bytes before these had passed the link
	for {
		buf := make([]byte, piece)
		readStart := time.Now()
		n, err := src.Read(buf)
		if n > 0 {
			now := time.Now()
			waited := now.Sub(readStart)
			if down && !first && waited > 5*time.Millisecond {
				// Nothing was coming from the server for a while, data
				// came after: a round trip, or the server's work.
				s.idle.Add(int64(waited))
				if waited > 50*time.Millisecond {
					s.mu.Lock()
					if len(st.Gaps) < 32 {
						st.Gaps = append(st.Gaps, Gap{At: readStart, For: waited})
					}
					s.mu.Unlock()
				}
			}
			first = false
			// When the bytes came to the link. A read that had to wait
			// got them as they came (now). One that did not found them
			// waiting: they were queued behind the bytes before, which
			// a real link sends back to back, while this proxy slept a
			// little past their time (a timer's sleep overshoots by tens
			// of microseconds to a millisecond, 5-10% of a 16 KB piece
			// at 4 MB/s): the link goes on from when those had passed.
			arrived := now
			if waited < time.Millisecond && !lastPassed.IsZero() && lastPassed.Before(now) {
				arrived = lastPassed
			}
			passed := own.reserve(n, arrived)
			if down {
				if t := s.total.reserve(n, arrived); t.After(passed) {
					passed = t
				}
			}
			if passed.After(lastPassed) {
				lastPassed = passed
			}
			if d := time.Until(passed); d > 0 {
				time.Sleep(d)
			}
			due := time.Now().Add(delay)
			if down {
				s.mu.Lock()
				if st.First.IsZero() {
					st.First = due
				}
				st.Last, st.Bytes = due, st.Bytes+int64(n)
				s.mu.Unlock()
			}
			line <- chunk{b: buf[:n], due: due}
		}
		if err != nil {
			return // EOF or a closed connection: the writer closes both
		}
	}
}
