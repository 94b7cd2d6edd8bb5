package gate

import (
	"crypto/sha256"
	"io"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailark/mailark/internal/imapconn"
)

// fetched is what the server sent for one message of a FETCH: each field
// only when its item came (the flag beside it says so).
type fetched struct {
	uid          uint32
	size         int64
	internalDate time.Time
	sum          [32]byte // SHA-256 of the body section
	bodyBytes    int64
	sized, dated bool
	hashed       bool
}

// eachFetched reads every message cmd (sent on c) returns and calls fn with
// it; a body section is hashed as it streams in, so no message is held
// whole. It closes cmd, and returns the error of reading a body (c is then
// gone) or of the command.
func eachFetched(c *imapconn.Conn, cmd *imapclient.FetchCommand, fn func(*fetched)) error {
	h := sha256.New()
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		var f fetched
		for {
			item := msg.Next()
			if item == nil {
				break
			}
			switch d := item.(type) {
			case imapclient.FetchItemDataUID:
				f.uid = uint32(d.UID)
			case imapclient.FetchItemDataRFC822Size:
				f.size, f.sized = d.Size, true
			case imapclient.FetchItemDataInternalDate:
				f.internalDate, f.dated = d.Time, true
			case imapclient.FetchItemDataBodySection:
				if d.Literal == nil {
					continue
				}
				// Read the literal now: the client discards it at the
				// next item.
				h.Reset()
				n, err := io.Copy(h, d.Literal)
				if err != nil {
					c.EndCutFetch(cmd)
					return err
				}
				h.Sum(f.sum[:0])
				f.bodyBytes, f.hashed = n, true
			}
		}
		fn(&f)
	}
	return cmd.Close()
}
