package main

import (
	"io"
	"net"
	"time"
)

// latencyProxy forwards TCP connections to target, holding every chunk for
// half of rtt in each direction (order kept, the link otherwise fast), as
// a server across the internet is. It returns the port it listens on.
func latencyProxy(target string, rtt time.Duration) (int, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, nil, err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			go delayed(c, s, rtt/2)
			go delayed(s, c, rtt/2)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, func() { ln.Close() }, nil
}

type chunk struct {
	b   []byte
	due time.Time
}

// delayed copies src to dst, each chunk d after it was read.
func delayed(src, dst net.Conn, d time.Duration) {
	q := make(chan chunk, 4096)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, 64<<10)
			n, err := src.Read(buf)
			if n > 0 {
				q <- chunk{buf[:n], time.Now().Add(d)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		time.Sleep(time.Until(c.due))
		if _, err := dst.Write(c.b); err != nil {
			break
		}
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	} else {
		dst.Close()
	}
	io.Copy(io.Discard, src)
	src.Close()
}
