package mailstore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"time"

	"howett.net/plist"

	"github.com/mailark/mailark/internal/mailerr"
)

// An .emlx file (Apple Mail's one message per file) is:
//
//	a line holding the message's length in bytes, in decimal, maybe
//	padded with spaces;
//	the message, exactly that many bytes, as received;
//	an XML property list: flags (a bit field), date-received and
//	date-sent (seconds since 1970), remote-id (the IMAP UID)…
//
// A .partial.emlx is the same, with the bodies of some attachments left
// out (see apple_partial.go).

const (
	emlxHeadMax  = 64      // the length line, at most
	emlxPlistMax = 1 << 20 // a larger plist is not Apple Mail's
)

// emlxLayout is where an .emlx file's parts are.
type emlxLayout struct {
	msgOff, msgLen int64 // the message
	plistLen       int64 // the plist after it
}

// readEmlxLayout reads the length line of an .emlx file of size bytes.
func readEmlxLayout(f io.ReaderAt, size int64, rel string) (emlxLayout, error) {
	head := make([]byte, emlxHeadMax)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return emlxLayout{}, mailerr.FromFS("read", rel, err)
	}
	head = head[:n]
	nl := bytes.IndexByte(head, '\n')
	if nl < 0 {
		return emlxLayout{}, badEmlx(rel, "its first line is not a byte count")
	}
	line := bytes.TrimRight(head[:nl], " \t\r")
	line = bytes.TrimLeft(line, " \t")
	if len(line) == 0 || len(line) > 19 {
		return emlxLayout{}, badEmlx(rel, "its first line is not a byte count")
	}
	for _, c := range line {
		if c < '0' || c > '9' {
			return emlxLayout{}, badEmlx(rel, "its first line is not a byte count")
		}
	}
	length, err := strconv.ParseInt(string(line), 10, 64)
	if err != nil {
		return emlxLayout{}, badEmlx(rel, "its byte count is out of range")
	}
	off := int64(nl + 1)
	if length > size-off {
		return emlxLayout{}, badEmlx(rel, fmt.Sprintf("it says the message is %d bytes, but the file holds only %d after the count", length, size-off))
	}
	return emlxLayout{msgOff: off, msgLen: length, plistLen: size - off - length}, nil
}

func badEmlx(rel, why string) error {
	return mailerr.New(mailerr.BadInput, "read", rel, errors.New("is not a valid Apple Mail message file: "+why))
}

// emlxInfo is what the plist of an .emlx file says.
type emlxInfo struct {
	flags    []string
	received time.Time
	warning  string // what could not be read of the plist
}

// Apple Mail's flag bits (of the plist's "flags").
var emlxFlagBits = []flagBit{
	{1 << 0, `\Seen`},
	{1 << 1, `\Deleted`},
	{1 << 2, `\Answered`},
	{1 << 4, `\Flagged`},
	{1 << 6, `\Draft`},
	{1 << 8, `$Forwarded`},
	{1 << 24, `$Junk`},
	{1 << 25, `$NotJunk`},
}

// parseEmlxPlist reads the plist of an .emlx file. An unreadable plist
// gives an error; the message itself is still readable.
func parseEmlxPlist(b []byte) (info emlxInfo, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the message's property list is not valid: %v", r)
		}
	}()
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return info, nil
	}
	var m map[string]any
	if _, err := plist.Unmarshal(b, &m); err != nil {
		return info, fmt.Errorf("the message's property list is not valid: %v", err)
	}
	if v, ok := plistInt(m["flags"]); ok {
		info.flags = bitFlags(uint64(v), emlxFlagBits)
	}
	for _, k := range []string{"date-received", "date-sent"} {
		if v, ok := plistFloat(m[k]); ok && v > 0 && v < 1e11 {
			sec, frac := math.Modf(v)
			info.received = time.Unix(int64(sec), int64(frac*1e9)).UTC()
			break
		}
	}
	return info, nil
}

func plistInt(v any) (int64, bool) {
	switch x := v.(type) {
	case uint64:
		return int64(x), true
	case int64:
		return x, true
	case float64:
		if x >= 0 && x < 1<<63 {
			return int64(x), true
		}
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

func plistFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case uint64:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case time.Time:
		return float64(x.Unix()), true
	}
	return 0, false
}

// emlxFile reads the layout and plist of the .emlx file at path.
// A plist that cannot be read costs the message its flags and date, never
// its bytes: emlxInfo.warning says so.
func emlxFile(path, rel string) (emlxLayout, emlxInfo, os.FileInfo, error) {
	f, fi, err := openStoreFile(path, rel)
	if err != nil {
		return emlxLayout{}, emlxInfo{}, nil, err
	}
	defer f.Close()
	lay, err := readEmlxLayout(f, fi.Size(), rel)
	if err != nil {
		return lay, emlxInfo{}, fi, err
	}
	var info emlxInfo
	switch {
	case lay.plistLen > emlxPlistMax:
		info.warning = fmt.Sprintf("its property list (%d bytes) is larger than Apple Mail writes: its flags (read, answered, flagged) and date were not read", lay.plistLen)
	case lay.plistLen > 0:
		b := make([]byte, lay.plistLen)
		if _, err := f.ReadAt(b, lay.msgOff+lay.msgLen); err != nil {
			return lay, info, fi, mailerr.FromFS("read", rel, err)
		}
		var perr error
		if info, perr = parseEmlxPlist(b); perr != nil {
			info.warning = perr.Error() + ": its flags (read, answered, flagged) and date were not read"
		}
	}
	return lay, info, fi, nil
}

// openEmlx returns the message of the .emlx file at path, checking that
// the file is still as it was listed (want).
func openEmlx(path, rel string, want os.FileInfo) (io.ReadCloser, error) {
	f, fi, err := openStoreFile(path, rel)
	if err != nil {
		return nil, err
	}
	if want != nil && (fi.Size() != want.Size() || !fi.ModTime().Equal(want.ModTime())) {
		f.Close()
		return nil, mailerr.New(mailerr.BadInput, "read", rel, ErrChanged)
	}
	lay, err := readEmlxLayout(f, fi.Size(), rel)
	if err != nil {
		f.Close()
		return nil, err
	}
	return sectionFile{io.NewSectionReader(f, lay.msgOff, lay.msgLen), f}, nil
}
