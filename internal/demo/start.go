package demo

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
)

// Running is the demo's mail server as Start started it: the "old
// provider" account (Old) beside an empty "new provider" account (New) to
// move the mail into, both on go-imap's in-memory server on loopback,
// plain IMAP.
type Running struct {
	Old, New *Account
	Server   *MemServer
	Host     string // always 127.0.0.1
	Port     int

	stop     context.CancelFunc
	served   chan error
	stopOnce sync.Once
	err      error
}

// Start serves the demo accounts on 127.0.0.1 and a free port until ctx is
// done or Stop is called. The terminal demo (mailark demo --no-gui) and the
// window's demo both start it here.
func Start(ctx context.Context) (*Running, error) {
	old, nw := OldProvider(), NewProvider()
	srv, err := NewMemServer(old)
	if err != nil {
		return nil, err
	}
	if err := srv.AddAccount(nw); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo server: %w", err)
	}
	sctx, stop := context.WithCancel(ctx)
	r := &Running{Old: old, New: nw, Server: srv, Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port,
		stop: stop, served: make(chan error, 1)}
	go func() { r.served <- srv.Serve(sctx, ln) }()
	return r, nil
}

// Addr is host:port, for people to read.
func (r *Running) Addr() string { return net.JoinHostPort(r.Host, strconv.Itoa(r.Port)) }

// Stop closes the server and every connection, and waits until it has. It
// may be called more than once.
func (r *Running) Stop() error {
	r.stopOnce.Do(func() {
		r.stop()
		r.err = <-r.served
	})
	return r.err
}
