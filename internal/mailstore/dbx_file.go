package mailstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"
)

// The Outlook Express 5/6 .dbx format, as published by Arne Schloh
// (oedbx) and used by libdbx, UnDBX and others; this is our own reading
// of it. All numbers are little-endian uint32.
//
// File header, 0x24BC bytes: [0] 0xFE12ADCF; [1] the file's kind
// (0x6F74FDC5 messages, 0x6F74FDC6 Folders.dbx, 0x6F74FDC7 Pop3uidl.dbx,
// 0x26FE9D30 Offline.dbx); [0x31] how many entries the tree holds;
// [0x39] the tree's root node (messages); Folders.dbx has its folder
// tree at [0x3B].
//
// Tree node, 0x27C bytes: [0] its own address; [2] the child node holding
// the values before the first entry; [4] bits 8–15 the number of entries;
// then per entry, from word 6, three words: a value (the address of an
// indexed info object), a child node (values after it), and that child's
// count. Values come in order: child [2], then each entry's value and its
// child.
//
// Indexed info object: [0] its own address, [1] its body's length, [2]
// bits 16–23 the number of entries. The body starts with one word per
// entry: bits 0–6 an index, bit 7 "direct" (the value is bits 8–31),
// otherwise bits 8–31 are the offset of the value in the data after the
// entries. Message info indexes: 0x01 flags, 0x02 sent time, 0x04 the
// address of the message, 0x12 received time (FILETIME). Folder info
// indexes: 0x00 id, 0x01 parent id, 0x02 name, 0x03 file name.
//
// A message is a chain of blocks, each a 16-byte header — [0] its own
// address, [1] block size, [2] bytes of message in it, [3] the next
// block (0 at the end) — and then those bytes.
//
// Every address read is checked: inside the file, carrying its own
// address as marker, never visited twice (a loop), lengths within bounds.
// So a damaged or hostile file gives an error, never a panic, an endless
// loop or memory in proportion to a length field.

const (
	dbxHeaderSize  = 0x24BC
	dbxNodeSize    = 0x27C
	dbxMagic       = 0xFE12ADCF
	dbxKindMessage = 0x6F74FDC5
	dbxKindFolders = 0x6F74FDC6
	dbxTreeDepth   = 64
	dbxInfoMax     = 1 << 20 // an indexed info object's body, at most
	dbxBlockMax    = 1 << 20 // one block's bytes of message, at most
)

var errNotDBX = errors.New("is not an Outlook Express .dbx file")

// dbxFile reads one .dbx file.
type dbxFile struct {
	r    io.ReaderAt
	size int64
	hdr  []byte
}

func openDBX(r io.ReaderAt, size int64) (*dbxFile, error) {
	if size < dbxHeaderSize {
		return nil, errNotDBX
	}
	hdr := make([]byte, dbxHeaderSize)
	if _, err := r.ReadAt(hdr, 0); err != nil {
		return nil, err
	}
	d := &dbxFile{r: r, size: size, hdr: hdr}
	if d.word(0) != dbxMagic {
		return nil, errNotDBX
	}
	return d, nil
}

func (d *dbxFile) word(i int) uint32 { return binary.LittleEndian.Uint32(d.hdr[i*4:]) }
func (d *dbxFile) kind() uint32      { return d.word(1) }

// read reads n bytes at off, checking they are in the file.
func (d *dbxFile) read(off int64, n int) ([]byte, error) {
	if off <= 0 || n < 0 || off > d.size || int64(n) > d.size-off {
		return nil, fmt.Errorf("points outside the file (offset %d, %d bytes, file %d bytes)", off, n, d.size)
	}
	b := make([]byte, n)
	if _, err := d.r.ReadAt(b, off); err != nil {
		return nil, err
	}
	return b, nil
}

// treeValues returns the values of the tree at root, in order. An error
// in the tree stops the walk: the values found before it are returned
// with the error.
func (d *dbxFile) treeValues(root uint32) ([]uint32, error) {
	var out []uint32
	if root == 0 {
		return nil, nil
	}
	seen := map[uint32]bool{}
	var walk func(addr uint32, depth int) error
	walk = func(addr uint32, depth int) error {
		if depth > dbxTreeDepth {
			return errors.New("its index tree is deeper than any Outlook Express writes")
		}
		if seen[addr] {
			return errors.New("its index tree loops")
		}
		seen[addr] = true
		b, err := d.read(int64(addr), dbxNodeSize)
		if err != nil {
			return fmt.Errorf("an index node %w", err)
		}
		w := func(i int) uint32 { return binary.LittleEndian.Uint32(b[i*4:]) }
		if w(0) != addr {
			return fmt.Errorf("the index node at %d is damaged", addr)
		}
		if c := w(2); c != 0 {
			if err := walk(c, depth+1); err != nil {
				return err
			}
		}
		n := int(w(4)>>8) & 0xff
		if n > (dbxNodeSize-24)/12 {
			return fmt.Errorf("the index node at %d says it has %d entries", addr, n)
		}
		for i := 0; i < n; i++ {
			if v := w(6 + 3*i); v != 0 {
				out = append(out, v)
			}
			if c := w(7 + 3*i); c != 0 {
				if err := walk(c, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return out, walk(root, 0)
}

// dbxInfo is one indexed info object.
type dbxInfo struct {
	body  []byte
	vals  map[int][]byte // index → its bytes
	direc map[int]uint32 // index → direct value
}

func (d *dbxFile) info(addr uint32) (*dbxInfo, error) {
	h, err := d.read(int64(addr), 12)
	if err != nil {
		return nil, fmt.Errorf("its index entry %w", err)
	}
	if binary.LittleEndian.Uint32(h) != addr {
		return nil, fmt.Errorf("its index entry at %d is damaged", addr)
	}
	bodyLen := binary.LittleEndian.Uint32(h[4:])
	entries := int(binary.LittleEndian.Uint32(h[8:])>>16) & 0xff
	if bodyLen > dbxInfoMax || uint64(entries)*4 > uint64(bodyLen) {
		return nil, fmt.Errorf("its index entry at %d has a wrong length (%d)", addr, bodyLen)
	}
	body, err := d.read(int64(addr)+12, int(bodyLen))
	if err != nil {
		return nil, fmt.Errorf("its index entry %w", err)
	}
	in := &dbxInfo{body: body, vals: map[int][]byte{}, direc: map[int]uint32{}}
	data := entries * 4
	type ind struct{ index, off int }
	var inds []ind
	for i := 0; i < entries; i++ {
		v := binary.LittleEndian.Uint32(body[i*4:])
		idx := int(v & 0x7f)
		if v&0x80 != 0 {
			in.direc[idx] = v >> 8
			continue
		}
		off := data + int(v>>8)
		if off > len(body) {
			continue // a value outside the object: left out
		}
		inds = append(inds, ind{idx, off})
	}
	sort.SliceStable(inds, func(i, j int) bool { return inds[i].off < inds[j].off })
	for i, x := range inds {
		end := len(body)
		if i+1 < len(inds) {
			end = inds[i+1].off
		}
		in.vals[x.index] = body[x.off:end]
	}
	return in, nil
}

// uint returns index idx as a number (direct, or the first 4 bytes).
func (in *dbxInfo) uint(idx int) (uint32, bool) {
	if v, ok := in.direc[idx]; ok {
		return v, true
	}
	if b, ok := in.vals[idx]; ok && len(b) >= 4 {
		return binary.LittleEndian.Uint32(b), true
	}
	return 0, false
}

// str returns index idx as a NUL-ended string's bytes.
func (in *dbxInfo) str(idx int) []byte {
	b := in.vals[idx]
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}

// time returns index idx as a FILETIME.
func (in *dbxInfo) time(idx int) time.Time {
	b, ok := in.vals[idx]
	if !ok || len(b) < 8 {
		return time.Time{}
	}
	ft := binary.LittleEndian.Uint64(b)
	const epochDiff = 116444736000000000 // 1601 to 1970, in 100 ns
	if ft <= epochDiff || ft > epochDiff+(1<<62)/100 {
		return time.Time{}
	}
	ns := (ft - epochDiff) * 100
	return time.Unix(0, int64(ns)).UTC()
}

// chain walks a message's blocks from addr, calling fn with each block's
// bytes' offset and length. It stops at a loop, a damaged block, or a
// total longer than the file.
func (d *dbxFile) chain(addr uint32, fn func(off int64, n int) error) (int64, error) {
	seen := map[uint32]bool{}
	var total int64
	for addr != 0 {
		if seen[addr] {
			return total, errors.New("its message's blocks loop")
		}
		seen[addr] = true
		h, err := d.read(int64(addr), 16)
		if err != nil {
			return total, fmt.Errorf("a block of the message %w", err)
		}
		w := func(i int) uint32 { return binary.LittleEndian.Uint32(h[i*4:]) }
		if w(0) != addr {
			return total, fmt.Errorf("the message block at %d is damaged", addr)
		}
		n := w(2)
		if n > dbxBlockMax || int64(n) > d.size-int64(addr)-16 {
			return total, fmt.Errorf("the message block at %d says it holds %d bytes, more than there is", addr, n)
		}
		total += int64(n)
		if total > d.size {
			return total, errors.New("its message is longer than the file")
		}
		if fn != nil {
			if err := fn(int64(addr)+16, int(n)); err != nil {
				return total, err
			}
		}
		addr = w(3)
	}
	return total, nil
}

// dbxFlags turns a message's flags (index 0x01) into IMAP flags: 0x80
// read, 0x80000 replied, 0x20 marked (flagged), 0x100000 forwarded — the
// bits Thunderbird's own Outlook Express import reads
// (mailnews/import/oexpress/nsOE5File.cpp: READ, ISANSWERED, MARKED,
// ISFORWARDED).
func dbxFlags(v uint32) []string { return bitFlags(uint64(v), dbxFlagBits) }

var dbxFlagBits = []flagBit{{0x80, `\Seen`}, {0x80000, `\Answered`}, {0x20, `\Flagged`}, {0x100000, `$Forwarded`}}
