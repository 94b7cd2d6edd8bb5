package testimap

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// The IMAP-aware faults (Fault.RefuseCommand and Fault.ByeDownAfter) read
// the stream as IMAP lines and literals, so they work on plain text
// connections only: the in-memory server, or Dovecot's PlainAddr.

// refusal is the answer the proxy gives in the server's place.
const refusal = " NO [UNAVAILABLE] fault injected by the test proxy\r\n"

// bye is what the proxy sends before it hangs up, in the server's place.
const bye = "* BYE [UNAVAILABLE] fault injected by the test proxy\r\n"

// imapAware reports whether f needs the line-reading pipes.
func (f Fault) imapAware() bool { return f.RefuseCommand > 0 || f.ByeDownAfter > 0 }

// lockedWriter lets both directions write to the client: the server's
// responses whole (pipeDownLines holds mu through each), the proxy's own
// answers between them.
type lockedWriter struct {
	mu sync.Mutex
	w  net.Conn
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// literalAt returns the size of the literal a line announces at its end
// ("{123}\r\n" or "{123+}\r\n"), or -1.
func literalAt(line []byte) int64 {
	line = bytes.TrimRight(line, "\r\n")
	if len(line) < 3 || line[len(line)-1] != '}' {
		return -1
	}
	open := bytes.LastIndexByte(line, '{')
	if open < 0 {
		return -1
	}
	n, err := strconv.ParseInt(string(bytes.TrimSuffix(line[open+1:len(line)-1], []byte("+"))), 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// MaxPending is the most tagged commands one client had sent and not yet
// seen answered, on any connection through the IMAP-aware pipes: more than
// one means the client pipelines.
func (p *Proxy) MaxPending() int { return int(p.maxPending.Load()) }

// Sent is one tagged command a client sent through the IMAP-aware pipes.
type Sent struct {
	Conn     int    // the connection, 0 for the first the proxy accepted
	Command  string // its name, with UID: "UID FETCH", "EXAMINE"
	InFlight int    // the commands of the connection sent before it and not yet answered
}

// Sent is every tagged command, in the order each connection sent them.
func (p *Proxy) Sent() []Sent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.sent)
}

// RefusedCommands is every command the proxy refused (RefuseCommand), as
// Sent would have listed it.
func (p *Proxy) RefusedCommands() []Sent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.refusedAs)
}

// commandName is a command line's name: its first word after the tag, two
// for UID commands.
func commandName(line []byte) string {
	f := strings.Fields(string(line))
	if len(f) < 2 {
		return ""
	}
	name := strings.ToUpper(f[1])
	if name == "UID" && len(f) > 2 {
		name += " " + strings.ToUpper(f[2])
	}
	return name
}

// pipeDownLines forwards server lines and literals to the client; with
// byeAfter > 0, at the first line end after that many bytes it sends BYE
// and hangs up. It holds the client's writer from a response's first byte
// to its last, so that the other direction's refusal comes between two
// responses, never inside one (inside a literal it became part of a
// message the client stored).
func (p *Proxy) pipeDownLines(server net.Conn, client *lockedWriter, byeAfter int64, byeText string, kill func(bool), pending *atomic.Int64) {
	if byeText == "" {
		byeText = bye
	}
	held := false
	defer func() {
		if held {
			client.mu.Unlock()
		}
	}()
	r := bufio.NewReaderSize(server, 32<<10)
	var done int64
	atStart := true // the next bytes start a response
	for {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			err = nil // a long line: forwarded in parts
		}
		if len(line) > 0 {
			tagged := atStart && line[0] != '*' && line[0] != '+'
			if !held {
				client.mu.Lock()
				held = true
			}
			if _, werr := client.w.Write(line); werr != nil {
				kill(false)
				return
			}
			if tagged {
				// Counted once the client can have it: a command sent
				// before is one the client sent without waiting.
				pending.Add(-1)
			}
			atStart = line[len(line)-1] == '\n' && literalAt(line) < 0
			done += int64(len(line))
			p.down.Add(int64(len(line)))
			if n := literalAt(line); n >= 0 && line[len(line)-1] == '\n' {
				m, cerr := io.CopyN(client.w, r, n)
				done += m
				p.down.Add(m)
				if cerr != nil {
					kill(false)
					return
				}
				continue // the line goes on after the literal
			}
			if atStart {
				client.mu.Unlock() // a response ended
				held = false
			}
			if byeAfter > 0 && done >= byeAfter && line[len(line)-1] == '\n' {
				client.Write([]byte(byeText))
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

// pipeUpLines forwards client commands to the server; the refuse-th tagged
// command that carries no literal is answered NO by the proxy instead.
func (p *Proxy) pipeUpLines(conn int, client net.Conn, server net.Conn, toClient *lockedWriter, refuse int, kill func(bool), refused, pending *atomic.Int64) {
	r := bufio.NewReaderSize(client, 32<<10)
	commands := 0
	continuation := false // the line goes on after a literal
	for {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			err = nil
		}
		if len(line) > 0 {
			lit := literalAt(line)
			tag, _, isCommand := bytes.Cut(line, []byte(" "))
			isCommand = isCommand && !continuation && len(tag) > 0 && line[len(line)-1] == '\n'
			if isCommand {
				commands++
				p.cmds.Add(1)
			}
			if isCommand && commands == refuse {
				refused.Add(1)
				p.mu.Lock()
				p.refusedAs = append(p.refusedAs, Sent{Conn: conn, Command: commandName(line), InFlight: int(pending.Load())})
				p.mu.Unlock()
				answer := append(append([]byte(nil), tag...), refusal...)
				// A non-synchronizing literal ({n+}, LITERAL+) comes at
				// once: swallow it and the rest of the command.
				for l := line; literalAt(l) >= 0 && bytes.HasSuffix(bytes.TrimRight(l, "\r\n"), []byte("+}")); {
					var rerr error
					if _, rerr = io.CopyN(io.Discard, r, literalAt(l)); rerr == nil {
						l, rerr = r.ReadSlice('\n')
					}
					if rerr != nil && rerr != bufio.ErrBufferFull {
						kill(false)
						return
					}
				}
				if _, werr := toClient.Write(answer); werr != nil {
					kill(false)
					return
				}
				continue
			}
			if isCommand {
				n := pending.Add(1)
				p.mu.Lock()
				p.sent = append(p.sent, Sent{Conn: conn, Command: commandName(line), InFlight: int(n - 1)})
				p.mu.Unlock()
				for m := p.maxPending.Load(); n > m && !p.maxPending.CompareAndSwap(m, n); m = p.maxPending.Load() {
				}
			}
			if _, werr := server.Write(line); werr != nil {
				kill(false)
				return
			}
			p.up.Add(int64(len(line)))
			continuation = false
			if lit >= 0 && line[len(line)-1] == '\n' {
				m, cerr := io.CopyN(server, r, lit)
				p.up.Add(m)
				if cerr != nil {
					kill(false)
					return
				}
				continuation = true
			} else if line[len(line)-1] != '\n' {
				continuation = true // the rest of a long line
			}
		}
		if err != nil {
			kill(false)
			return
		}
	}
}
