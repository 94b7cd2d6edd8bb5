package mailstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"testing"
	"time"
)

// FuzzDBX reads any bytes as a .dbx file: the tree, every index entry and
// every message chain, as the reader does. Never a panic, never more
// message bytes than the file holds. Seeds are in testdata/fuzz/FuzzDBX.
func FuzzDBX(f *testing.F) {
	f.Add(dbxMessages([][]byte{[]byte("Subject: a\r\n\r\nb\r\n")}, []uint32{0x80}, []time.Time{time.Unix(1e9, 0)}))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := openDBX(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		dbxFolderNames(d)
		for _, root := range []uint32{d.word(0x39), d.word(0x3B)} {
			vals, _ := d.treeValues(root)
			for _, v := range vals {
				in, err := d.info(v)
				if err != nil {
					continue
				}
				in.str(2)
				in.time(0x12)
				addr, ok := in.uint(4)
				if !ok {
					continue
				}
				var n int64
				total, _ := d.chain(addr, func(off int64, l int) error {
					k, err := io.Copy(io.Discard, io.NewSectionReader(bytes.NewReader(data), off, int64(l)))
					n += k
					return err
				})
				if n != total && total <= int64(len(data)) {
					t.Fatalf("chain copied %d bytes, counted %d", n, total)
				}
				if n > int64(len(data)) {
					t.Fatalf("chain gave %d bytes from a file of %d", n, len(data))
				}
			}
		}
	})
}

// TestWriteDBXSeeds (re)writes the checked-in seeds when MAILARK_WRITE_SEEDS is set.
func TestWriteDBXSeeds(t *testing.T) {
	if !seedsWanted() {
		t.Skip("set MAILARK_WRITE_SEEDS=1 to rewrite the fuzz seeds")
	}
	good := dbxMessages([][]byte{[]byte("Subject: a\r\n\r\nb\r\n"), bytes.Repeat([]byte("x"), 700), []byte("c")},
		[]uint32{0x80, 0, 0x80080}, []time.Time{time.Unix(1e9, 0), {}, time.Unix(2e9, 0)})
	mut := func(f func(b []byte)) []byte { b := bytes.Clone(good); f(b); return b }
	blocks := blockAddrs(good)
	root := binary.LittleEndian.Uint32(good[0x39*4:])
	seeds := [][]byte{
		good,
		mut(func(b []byte) { binary.LittleEndian.PutUint32(b[blocks[0]+12:], uint32(blocks[0])) }),
		mut(func(b []byte) { binary.LittleEndian.PutUint32(b[blocks[0]+8:], 0xFFFFFFFF) }),
		mut(func(b []byte) { binary.LittleEndian.PutUint32(b[root+8:], root) }),
		mut(func(b []byte) { binary.LittleEndian.PutUint32(b[root+16:], 0xFF00) }),
		mut(func(b []byte) { binary.LittleEndian.PutUint32(b[0x39*4:], 0xFFFFFFF0) }),
		good[:dbxHeaderSize+100],
		foldersDBX([][2]uint32{{1, 0}, {2, 3}, {3, 2}}), // parents in a loop
	}
	writeSeeds(t, "FuzzDBX", seeds)
}

// foldersDBX writes a Folders.dbx of folders {id, parent}, named "f<id>"
// with files "f<id>.dbx".
func foldersDBX(folders [][2]uint32) []byte {
	w := newDBX(dbxKindFolders)
	var infos []uint32
	for _, fo := range folders {
		name := []byte(fmt.Sprintf("f%d\x00", fo[0]))
		file := []byte(fmt.Sprintf("f%d.dbx\x00", fo[0]))
		infos = append(infos, w.info(
			dbxEntry{idx: 0, direct: true, val: fo[0]},
			dbxEntry{idx: 1, direct: true, val: fo[1]},
			dbxEntry{idx: 2, data: name},
			dbxEntry{idx: 3, data: file},
		))
	}
	w.put(0x3B*4, w.tree(infos))
	return w.b
}
