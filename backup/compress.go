package backup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/progress"
)

// COMPRESS=DEFLATE where it helps. Compression trades the server's CPU for
// the link: with it, a connection moves min(link/ratio, server's deflate
// speed) bytes of mail a second, without it the link's rate. Dovecot
// deflates at about 20 MB/s per connection (measured: mbsync with COMPRESS
// took 13.1 s instead of 3.9 s on an uncapped link), so compression helps
// only on a link slower than that, and may make a fast one slower.
//
// In auto mode a run starts uncompressed and measures what its connections
// deliver while Mailark waits for them (imapconn.LinkStats: time in which
// the writer was behind does not count, so a slow disk does not pass for a
// slow link). After measureBytes it decides once, for the rest of the run:
// below compressBelow per connection, each connection turns COMPRESS on
// between two commands and new connections turn it on at login. A fast
// loopback or LAN link stays uncompressed.

// Compress is whether a backup uses COMPRESS=DEFLATE.
type Compress int

const (
	// CompressAuto measures the link and compresses when it is slow.
	CompressAuto Compress = iota
	// CompressOn compresses whenever the server offers it.
	CompressOn
	// CompressOff never compresses.
	CompressOff
)

func (c Compress) String() string {
	switch c {
	case CompressOn:
		return "on"
	case CompressOff:
		return "off"
	}
	return "auto"
}

// ParseCompress reads "auto", "on" or "off".
func ParseCompress(s string) (Compress, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return CompressAuto, nil
	case "on", "yes", "true":
		return CompressOn, nil
	case "off", "no", "false":
		return CompressOff, nil
	}
	return 0, mailerr.New(mailerr.BadInput, "parse compress", s,
		fmt.Errorf("unknown compression setting %q: use auto, on or off", s))
}

const (
	// serverDeflateRate is how fast Dovecot deflates, per connection
	// (measured in issue 17).
	serverDeflateRate = 20e6
	// compressBelow: auto mode compresses when a connection delivers less
	// than this many bytes a second: half of serverDeflateRate, so that a
	// busier or slower server still keeps up with the link.
	compressBelow = serverDeflateRate / 2
	// measureBytes of mail read by the connections, summed, before auto
	// mode decides.
	measureBytes = 4 << 20
)

// CompressionSummary is what a run did about COMPRESS=DEFLATE, and why.
type CompressionSummary struct {
	Mode    string // auto, on, off
	Offered bool   // the server lists COMPRESS=DEFLATE
	Used    bool   // at least one connection compressed
	// RateBytes is the rate auto mode measured per connection, in bytes
	// of mail a second (0: not measured), over MeasuredBytes.
	RateBytes     float64 `json:",omitempty"`
	MeasuredBytes int64   `json:",omitempty"`
	// Reason says it in one sentence, numbers included.
	Reason string
}

// compression is a run's decision, shared by its sessions and connections.
type compression struct {
	mode   Compress
	rateOf func(imapconn.LinkStats) (float64, bool)

	mu       sync.Mutex
	measured imapconn.LinkStats // before the decision, summed over connections
	decided  bool
	on       bool // auto mode decided to compress
	sum      CompressionSummary
}

func newCompression(o *Options) *compression {
	p := &compression{mode: o.Compress, rateOf: o.LinkRate}
	if p.rateOf == nil {
		p.rateOf = measuredRate
	}
	p.sum.Mode = o.Compress.String()
	switch o.Compress {
	case CompressOn:
		p.sum.Reason = "compression on (--compress on)"
	case CompressOff:
		p.sum.Reason = "compression off (--compress off)"
	default:
		p.sum.Reason = fmt.Sprintf("compression off: too little mail to measure the link (it decides after %s)", progress.Bytes(measureBytes))
	}
	return p
}

// measuredRate is the default LinkRate: bytes a second while waiting for
// the server, once measureBytes came.
func measuredRate(l imapconn.LinkStats) (float64, bool) {
	if l.Bytes < measureBytes || l.Waited <= 0 {
		return 0, false
	}
	return float64(l.Bytes) / l.Waited.Seconds(), true
}

// offered notes whether the server offers COMPRESS=DEFLATE.
func (p *compression) offered(yes bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sum.Offered = yes
	if !yes && p.mode != CompressOff {
		p.sum.Reason = "compression off: the server does not offer COMPRESS=DEFLATE"
	}
}

// wanted reports whether connections should compress now.
func (p *compression) wanted() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sum.Offered && (p.mode == CompressOn || p.mode == CompressAuto && p.on)
}

// pending reports that auto mode is still measuring the link: the
// connections' first fetches are its sample, uncompressed (fan.claim takes
// no large message meanwhile, which would be fetched uncompressed whole).
func (p *compression) pending() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode == CompressAuto && p.sum.Offered && !p.decided
}

// used notes that a connection compresses.
func (p *compression) used() {
	p.mu.Lock()
	p.sum.Used = true
	p.mu.Unlock()
}

// observe adds what a connection read since its last observation; once
// enough came, auto mode decides, and the decision is returned as a notice
// text (empty otherwise).
func (p *compression) observe(d imapconn.LinkStats) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode != CompressAuto || p.decided || !p.sum.Offered {
		return ""
	}
	p.measured.Bytes += d.Bytes
	p.measured.WireBytes += d.WireBytes
	p.measured.Waited += d.Waited
	rate, ok := p.rateOf(p.measured)
	if !ok {
		return ""
	}
	p.decided = true
	p.on = rate < compressBelow
	p.sum.RateBytes, p.sum.MeasuredBytes = rate, p.measured.Bytes
	if p.on {
		p.sum.Reason = fmt.Sprintf("compression on: the link delivered %s per connection over the first %s, below %s, so the server compresses faster than the link carries",
			rateWords(rate), progress.Bytes(p.measured.Bytes), rateWords(compressBelow))
	} else {
		p.sum.Reason = fmt.Sprintf("compression off: the link delivered %s per connection over the first %s, not below %s, so the server's compressing (about %s) could become the limit",
			rateWords(rate), progress.Bytes(p.measured.Bytes), rateWords(compressBelow), rateWords(serverDeflateRate))
	}
	return p.sum.Reason
}

// rateWords writes a rate in MB/s (10^6 bytes), as link speeds are.
func rateWords(bytesPerSec float64) string { return fmt.Sprintf("%.1f MB/s", bytesPerSec/1e6) }

func (p *compression) summary() CompressionSummary {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sum
}

// linkWatch is one connection's side of the decision: what it read at the
// last observation, and whether it may still turn compression on.
type linkWatch struct {
	c       *imapconn.Conn
	last    imapconn.LinkStats
	refused bool // the server answered NO to COMPRESS: not again
}

func newLinkWatch(c *imapconn.Conn) *linkWatch { return &linkWatch{c: c, last: c.Link()} }

// observe reports what the connection read since the last call.
func (r *runner) observe(w *linkWatch) {
	now := w.c.Link()
	d := imapconn.LinkStats{Bytes: now.Bytes - w.last.Bytes, WireBytes: now.WireBytes - w.last.WireBytes, Waited: now.Waited - w.last.Waited}
	w.last = now
	r.link.add(d)
	if text := r.compress.observe(d); text != "" {
		r.mu.Lock()
		r.noticeLocked(text, nil)
		r.mu.Unlock()
	}
}

// switching reports whether the connection should turn compression on at
// its next pause between commands.
func (r *runner) switching(w *linkWatch) bool {
	return !w.refused && !w.c.Compressed() && r.compress.wanted()
}

// compressNow turns compression on; the connection must have no command in
// flight. A refusal leaves it uncompressed.
func (r *runner) compressNow(ctx context.Context, w *linkWatch) error {
	err := w.c.Compress(ctx)
	switch {
	case errors.Is(err, imapconn.ErrCompressRefused):
		w.refused = true
		return nil
	case err != nil:
		return err
	}
	w.last = w.c.Link()
	r.compress.used()
	return nil
}
