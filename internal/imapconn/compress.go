package imapconn

import (
	"bufio"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/mailark/mailark/internal/mailerr"
)

// COMPRESS=DEFLATE (RFC 4978) below go-imap, which does not implement it.
//
// deflateConn sits between the protected stream (TLS, or the plain
// connection) and limitConn, so every bound of limitConn and listConn
// applies to the decompressed bytes, and the idle timeout to the bytes on
// the wire. It passes bytes through until Compress: that writes the
// command itself, below the client, while the client has no command in
// flight; the client's reader, waiting in Read, meets the tagged answer
// here, which does not pass on. On OK, the byte after the answer's line is
// the first compressed one: from there reads inflate and every write is
// deflated and flushed at once (the client writes a command or a literal
// in one flush, and nothing may wait in the compressor).
//
// A hostile compressed stream meets the same bounds as a plain one: a bomb
// only makes long lines or large literals, which limitConn cuts, or mail,
// which the engine's per-message limit bounds. A stream that moves on the
// wire but decompresses to nothing (empty blocks) is not progress: the
// trickle rule counts decompressed bytes on a compressed connection, and
// maxInflateIdle compressed bytes without any output end the connection.
type deflateConn struct {
	net.Conn // below: TLS, or the plain connection
	idle     *idleConn
	br       *bufio.Reader // the server's bytes not yet handed on

	mu      sync.Mutex
	state   deflateState
	answer  chan error // Compress waits here for the tagged answer
	pending []byte     // an untagged line met while asking, not yet read
	zw      *flate.Writer
	out     int64 // decompressed bytes handed on (the IMAP stream's)

	zr        io.Reader
	src       *inflateSource
	seg       time.Time // start of the current stretch of waiting, for the trickle rule
	violation error
}

type deflateState int

const (
	plainStream deflateState = iota
	asking                   // COMPRESS sent, its answer not yet read
	deflating
)

// compressTag tags our COMPRESS command; go-imap's tags are "T" and a number.
const compressTag = "MZC"

// maxInflateIdle bounds the compressed bytes read without a byte of
// output. A real compressor flushes at least every 32 KiB of output (the
// window), which takes at most about 64 KiB of input.
const maxInflateIdle = 1 << 20

// ErrCompressBroken: what the server sent after agreeing to COMPRESS
// DEFLATE is not a deflate stream Mailark can use.
var ErrCompressBroken = errors.New("the server's compressed data (COMPRESS=DEFLATE) cannot be read")

// ErrCompressRefused: the server offers COMPRESS=DEFLATE but answered our
// COMPRESS DEFLATE with NO or BAD. The connection goes on uncompressed.
var ErrCompressRefused = errors.New("the server refused COMPRESS DEFLATE")

func newDeflateConn(c net.Conn, idle *idleConn) *deflateConn {
	return &deflateConn{Conn: c, idle: idle, br: bufio.NewReaderSize(c, 32<<10)}
}

// compressing reports whether the stream is compressed.
func (c *deflateConn) compressing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state == deflating
}

// decompressed is the number of bytes of the IMAP stream handed on.
func (c *deflateConn) decompressed() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out
}

// start sends COMPRESS DEFLATE and waits for its answer. The client must
// have no command in flight.
func (c *deflateConn) start(ctx context.Context) error {
	c.mu.Lock()
	if c.state != plainStream {
		c.mu.Unlock()
		return nil
	}
	c.state = asking
	answer := make(chan error, 1)
	c.answer = answer
	c.mu.Unlock()
	if _, err := c.Conn.Write([]byte(compressTag + " COMPRESS DEFLATE\r\n")); err != nil {
		return err
	}
	select {
	case err := <-answer:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// answered ends the asking state; c.mu is held.
func (c *deflateConn) answered(err error) {
	if c.answer != nil {
		c.answer <- err
		c.answer = nil
	}
}

func (c *deflateConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	st := c.state
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		c.out += int64(n)
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	if st == deflating {
		return c.inflate(p)
	}
	// Wait for bytes, then look at the state: the answer to COMPRESS can
	// only be among them if the state was asking before they were read.
	if _, err := c.br.Peek(1); err != nil {
		c.mu.Lock()
		c.answered(err)
		c.mu.Unlock()
		return 0, err
	}
	c.mu.Lock()
	st = c.state
	c.mu.Unlock()
	if st == plainStream {
		n, err := c.br.Read(p[:min(len(p), c.br.Buffered())])
		c.mu.Lock()
		c.out += int64(n)
		c.mu.Unlock()
		return n, err
	}
	line, err := readRawLine(c.br)
	c.mu.Lock()
	if err != nil {
		c.answered(err)
		c.mu.Unlock()
		return 0, err
	}
	if !hasPrefixFold(string(line), compressTag+" ") {
		// An untagged response before the answer: the client's.
		n := copy(p, line)
		c.pending = line[n:]
		c.out += int64(n)
		c.mu.Unlock()
		return n, nil
	}
	if rest := string(line[len(compressTag)+1:]); !hasPrefixFold(rest, "OK") {
		c.state = plainStream
		c.answered(fmt.Errorf("%w: it answered %.200q", ErrCompressRefused, strings.TrimSpace(rest)))
	} else {
		c.src = &inflateSource{c: c}
		c.zr = flate.NewReader(c.src)
		c.zw, _ = flate.NewWriter(c.Conn, flate.BestSpeed) // the level is valid
		c.state = deflating
		c.idle.countAbove()
		c.answered(nil)
	}
	c.mu.Unlock()
	// The answer is not the client's: read on (a read of 0 bytes and no
	// error would look like a broken reader to it).
	return c.Read(p)
}

// readRawLine reads one line, CRLF included, of at most 8 KiB.
func readRawLine(br *bufio.Reader) ([]byte, error) {
	var b []byte
	for {
		chunk, err := br.ReadSlice('\n')
		b = append(b, chunk...)
		if len(b) > 8192 {
			return nil, errors.New("a line longer than 8 KiB in answer to COMPRESS")
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return b, err
	}
}

// inflate reads decompressed bytes. The trickle rule counts them, not the
// wire's: inflateSource tells it of the time spent waiting.
func (c *deflateConn) inflate(p []byte) (int, error) {
	if v := c.violated(); v != nil {
		return 0, v
	}
	c.seg = time.Now()
	c.src.idle = 0
	n, err := c.zr.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.out += int64(n)
		c.mu.Unlock()
	}
	if terr := c.idle.counted(c.seg, int64(n)); terr != nil && err == nil {
		// Hand over what was read; the next read reports the trickle.
		c.setViolation(terr)
	}
	var corrupt flate.CorruptInputError
	switch {
	case errors.As(err, &corrupt):
		v := c.setViolation(mailerr.New(mailerr.ServerError, "read response", "",
			fmt.Errorf("%w: it is corrupt at byte %d; run again without compression", ErrCompressBroken, int64(corrupt))))
		c.Conn.Close()
		return n, v
	case errors.Is(err, errInflateIdle):
		v := c.setViolation(mailerr.New(mailerr.ServerError, "read response", "",
			fmt.Errorf("%w: more than %d bytes of it decompress to nothing; run again without compression", ErrCompressBroken, maxInflateIdle)))
		c.Conn.Close()
		return n, v
	}
	return n, err
}

// setViolation keeps the first reason the stream was cut and returns it.
func (c *deflateConn) setViolation(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.violation == nil {
		c.violation = err
	}
	return c.violation
}

// violated is the reason the compressed stream was cut, or nil.
func (c *deflateConn) violated() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.violation
}

var errInflateIdle = errors.New("compressed data without output")

// inflateSource feeds the inflater from the buffered stream. It counts what
// the inflater took without giving anything back, and before each wait for
// the network tells the trickle rule how long this read has waited so far
// (the inflater may read on for long without returning).
type inflateSource struct {
	c    *deflateConn
	idle int64 // compressed bytes taken during the current read
}

func (s *inflateSource) fill() error {
	c := s.c
	if c.br.Buffered() > 0 {
		return nil
	}
	if s.idle > maxInflateIdle {
		return errInflateIdle
	}
	if terr := c.idle.counted(c.seg, 0); terr != nil {
		return terr
	}
	c.seg = time.Now()
	_, err := c.br.Peek(1)
	return err
}

func (s *inflateSource) ReadByte() (byte, error) {
	if err := s.fill(); err != nil {
		return 0, err
	}
	s.idle++
	return s.c.br.ReadByte()
}

func (s *inflateSource) Read(p []byte) (int, error) {
	if err := s.fill(); err != nil {
		return 0, err
	}
	n, err := s.c.br.Read(p[:min(len(p), s.c.br.Buffered())])
	s.idle += int64(n)
	return n, err
}

func (c *deflateConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	zw := c.zw
	c.mu.Unlock()
	if zw == nil {
		return c.Conn.Write(p)
	}
	if _, err := zw.Write(p); err != nil {
		return 0, err
	}
	if err := zw.Flush(); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Compress turns on COMPRESS=DEFLATE (RFC 4978) on c, which the server
// must offer (Caps.Compress), with no command in flight. A server that
// refuses leaves c uncompressed and answers ErrCompressRefused; any other
// error ends the connection. Turning it on twice does nothing.
func (c *Conn) Compress(ctx context.Context) error {
	if c.deflate.compressing() {
		return nil
	}
	if !c.Caps.Compress {
		return fmt.Errorf("%w: the server does not offer COMPRESS=DEFLATE", ErrCompressRefused)
	}
	err := c.deflate.start(ctx)
	if err == nil || errors.Is(err, ErrCompressRefused) {
		return err
	}
	c.Abort()
	return c.Classify(ctx, "compress", err)
}

// Compressed reports whether COMPRESS=DEFLATE is on.
func (c *Conn) Compressed() bool { return c.deflate.compressing() }

// LinkStats is what a connection has read so far.
type LinkStats struct {
	WireBytes int64         // bytes from the network (compressed, with TLS)
	Bytes     int64         // bytes of the IMAP stream (decompressed)
	Waited    time.Duration // time spent in reads from the network
	Reads     int64         // reads from the network (system calls)
}

// Link is what c has read so far. Bytes over Waited is the rate at which
// the server and the link deliver when Mailark waits for them: time in
// which Mailark did not read (its writer was behind) does not count.
func (c *Conn) Link() LinkStats {
	wire, waited, reads := c.idle.stats()
	return LinkStats{WireBytes: wire, Bytes: c.deflate.decompressed(), Waited: waited, Reads: reads}
}
