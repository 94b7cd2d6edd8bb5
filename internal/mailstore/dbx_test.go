package mailstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/archive"
)

// dbxBuilder writes .dbx files from the published structure (see
// dbx_file.go), for tests.
type dbxBuilder struct{ b []byte }

func newDBX(kind uint32) *dbxBuilder {
	w := &dbxBuilder{b: make([]byte, dbxHeaderSize)}
	w.put(0, dbxMagic)
	w.put(4, kind)
	copy(w.b[8:], []byte{0x66, 0xE3, 0xD1, 0x11, 0x9A, 0x4E, 0x00, 0xC0, 0x4F, 0xA3, 0x09, 0xD4, 0x05, 0, 0, 0, 0x05})
	return w
}

func (w *dbxBuilder) put(off int, v uint32) { binary.LittleEndian.PutUint32(w.b[off:], v) }

func (w *dbxBuilder) alloc(n int) int {
	addr := len(w.b)
	w.b = append(w.b, make([]byte, n)...)
	return addr
}

// message writes msg in blocks of at most 0x200 bytes; returns the first.
func (w *dbxBuilder) message(msg []byte) uint32 {
	first, prev := 0, 0
	for len(msg) > 0 || first == 0 {
		n := min(len(msg), 0x200)
		addr := w.alloc(16 + 0x200)
		w.put(addr, uint32(addr))
		w.put(addr+4, 0x200)
		w.put(addr+8, uint32(n))
		copy(w.b[addr+16:], msg[:n])
		msg = msg[n:]
		if first == 0 {
			first = addr
		} else {
			w.put(prev+12, uint32(addr))
		}
		prev = addr
	}
	return uint32(first)
}

type dbxEntry struct {
	idx    int
	direct bool
	val    uint32
	data   []byte
}

func (w *dbxBuilder) info(entries ...dbxEntry) uint32 {
	var data []byte
	words := make([]byte, 4*len(entries))
	for i, e := range entries {
		v := uint32(e.idx)
		if e.direct {
			v |= 0x80 | e.val<<8
		} else {
			v |= uint32(len(data)) << 8
			data = append(data, e.data...)
		}
		binary.LittleEndian.PutUint32(words[i*4:], v)
	}
	body := append(words, data...)
	addr := w.alloc(12 + len(body))
	w.put(addr, uint32(addr))
	w.put(addr+4, uint32(len(body)))
	w.put(addr+8, uint32(len(entries))<<16|uint32(12+len(body)))
	copy(w.b[addr+12:], body)
	return uint32(addr)
}

// tree writes a tree of nodes of at most three entries (so that even a
// few values make a tree of several levels); returns the root.
func (w *dbxBuilder) tree(vals []uint32) uint32 {
	if len(vals) == 0 {
		return 0
	}
	addr := w.alloc(dbxNodeSize)
	w.put(addr, uint32(addr))
	if len(vals) <= 3 {
		w.put(addr+16, uint32(len(vals))<<8)
		for i, v := range vals {
			w.put(addr+24+12*i, v)
		}
		return uint32(addr)
	}
	q := (len(vals) - 3) / 4
	groups := [][]uint32{vals[:q], vals[q+1 : 2*q+1], vals[2*q+2 : 3*q+2], vals[3*q+3:]}
	entries := []uint32{vals[q], vals[2*q+1], vals[3*q+2]}
	w.put(addr+8, w.tree(groups[0]))
	w.put(addr+20, uint32(len(groups[0])))
	w.put(addr+16, 3<<8)
	for i, e := range entries {
		w.put(addr+24+12*i, e)
		w.put(addr+28+12*i, w.tree(groups[i+1]))
		w.put(addr+32+12*i, uint32(len(groups[i+1])))
	}
	return uint32(addr)
}

func filetime(t time.Time) []byte {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, uint64(t.UnixNano()/100)+116444736000000000)
	return b
}

// dbxMessages writes a messages .dbx holding msgs; flags and dates per
// message.
func dbxMessages(msgs [][]byte, flags []uint32, dates []time.Time) []byte {
	w := newDBX(dbxKindMessage)
	var infos []uint32
	for i, m := range msgs {
		addr := w.message(m)
		msgEntry := dbxEntry{idx: 4, data: binary.LittleEndian.AppendUint32(nil, addr)}
		if i%2 == 1 && addr < 1<<24 {
			msgEntry = dbxEntry{idx: 4, direct: true, val: addr}
		}
		infos = append(infos, w.info(
			dbxEntry{idx: 0, direct: true, val: uint32(i + 1)},
			dbxEntry{idx: 1, direct: true, val: flags[i]},
			msgEntry,
			dbxEntry{idx: 0x12, data: filetime(dates[i])},
			dbxEntry{idx: 8, data: []byte("subject\x00")},
		))
	}
	w.put(0x31*4, uint32(len(infos)))
	w.put(0x39*4, w.tree(infos))
	return w.b
}

func TestOutlookExpress(t *testing.T) {
	home := t.TempDir()
	store := filepath.Join(home, "Local Settings", "Application Data", "Identities",
		"{0E5A1B2C-1111-2222-3333-444455556666}", "Microsoft", "Outlook Express")
	var msgs [][]byte
	var flags []uint32
	var dates []time.Time
	for i, fx := range corpus() {
		msgs = append(msgs, fx.Raw)
		flags = append(flags, []uint32{0x80, 0, 0x80 | 0x80000, 0x80 | 0x20 | 0x100000}[i%4])
		dates = append(dates, time.Date(2003, 5, 6, 7, 8, 9, 0, time.UTC).Add(time.Duration(i)*time.Minute))
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 500) // many blocks
	msgs = append(msgs, append([]byte("Subject: big\r\n\r\n"), big...))
	flags = append(flags, 0)
	dates = append(dates, time.Time{})
	writeFile(t, filepath.Join(store, "受信トレイ.dbx"), dbxMessages(msgs, flags, dates))
	writeFile(t, filepath.Join(store, "Work.dbx"), dbxMessages([][]byte{[]byte("Subject: w\r\n\r\nw\r\n")}, []uint32{0x80}, []time.Time{{}}))
	// Folders.dbx: Work is a sub-folder of the inbox, named in Shift_JIS.
	fw := newDBX(dbxKindFolders)
	var infos []uint32
	for _, fo := range []struct {
		id, parent uint32
		name, file string
	}{
		{0, 0, "", ""},
		{1, 0, "Local Folders", ""},
		{2, 1, "受信トレイ", "受信トレイ.dbx"},
		{3, 2, "取引先", "Work.dbx"},
	} {
		infos = append(infos, fw.info(
			dbxEntry{idx: 0, direct: true, val: fo.id},
			dbxEntry{idx: 1, direct: true, val: fo.parent},
			dbxEntry{idx: 2, data: append(sjis(t, fo.name), 0)},
			dbxEntry{idx: 3, data: append(sjis(t, fo.file), 0)},
		))
	}
	fw.put(0x3B*4, fw.tree(infos))
	writeFile(t, filepath.Join(store, "Folders.dbx"), fw.b)
	writeFile(t, filepath.Join(store, "Pop3uidl.dbx"), newDBX(0x6F74FDC7).b)
	before := treeState(t, home)

	f := Lookup(archive.SourceOutlookExpress)
	stores, err := f.Find(home, "windows")
	if err != nil || len(stores) != 1 || stores[0].Path != store {
		t.Fatalf("Find = %v, %v", stores, err)
	}
	r, _ := f.Open(stores[0])
	folders, _ := r.Folders(context.Background())
	var names []string
	for _, fo := range folders {
		names = append(names, fo.Name+"="+fo.Role)
	}
	if want := []string{"受信トレイ=inbox", "受信トレイ/取引先="}; !slices.Equal(names, want) {
		t.Errorf("folders = %q, want %q", names, want)
	}
	got := readAll(t, f, stores[0])
	if len(got) != len(msgs)+1 {
		t.Fatalf("read %d messages, want %d", len(got), len(msgs)+1)
	}
	for i, m := range msgs {
		g := got[i]
		if g.err != nil || !bytes.Equal(g.body, m) {
			t.Errorf("message %d: err %v\n got %q\nwant %q", i, g.err, g.body, m)
		}
		if !g.m.Date.Equal(dates[i]) {
			t.Errorf("message %d date %v, want %v", i, g.m.Date, dates[i])
		}
	}
	if !slices.Equal(got[2].m.Flags, []string{`\Seen`, `\Answered`}) || got[1].m.Flags != nil {
		t.Errorf("flags %q, %q", got[2].m.Flags, got[1].m.Flags)
	}
	// Marked (0x20) is Outlook Express's flag, as Thunderbird's import
	// reads it (nsOE5File.cpp).
	if !slices.Equal(got[3].m.Flags, []string{`\Seen`, `\Flagged`, `$Forwarded`}) {
		t.Errorf("a marked, forwarded message's flags %q", got[3].m.Flags)
	}
	checkUnchanged(t, home, before)
}

// TestOutlookExpressBroken: loops, wrong lengths and a 4 GB length are
// that message's or that file's error; what is sound is still read.
func TestOutlookExpressBroken(t *testing.T) {
	dir := t.TempDir()
	ok := []byte("Subject: fine\r\n\r\nfine\r\n")
	raw := dbxMessages([][]byte{ok, []byte("Subject: loop\r\n\r\n"), []byte("Subject: huge\r\n\r\n"), ok},
		[]uint32{0, 0, 0, 0}, make([]time.Time, 4))
	// Find the message blocks: the 2nd points to itself, the 3rd says 4 GB.
	blocks := blockAddrs(raw)
	binary.LittleEndian.PutUint32(raw[blocks[1]+12:], uint32(blocks[1]))
	binary.LittleEndian.PutUint32(raw[blocks[2]+8:], 0xFFFFFFFF)
	writeFile(t, filepath.Join(dir, "Inbox.dbx"), raw)
	// A tree whose root's child is the root.
	loop := dbxMessages([][]byte{ok, ok, ok, ok, ok}, make([]uint32, 5), make([]time.Time, 5))
	root := binary.LittleEndian.Uint32(loop[0x39*4:])
	binary.LittleEndian.PutUint32(loop[root+28:], root)
	writeFile(t, filepath.Join(dir, "Loop.dbx"), loop)
	writeFile(t, filepath.Join(dir, "Short.dbx"), raw[:100])

	f := Lookup(archive.SourceOutlookExpress)
	s, _ := f.Probe(dir)
	r, _ := f.Open(s)
	ctx := context.Background()
	folders, _ := r.Folders(ctx)
	results := map[string][]string{}
	errs := map[string]error{}
	for _, fo := range folders {
		errs[fo.Name] = r.Messages(ctx, fo, func(m *Message) error {
			rc, err := m.Open()
			if err != nil {
				results[fo.Name] = append(results[fo.Name], "error: "+err.Error())
				return nil
			}
			defer rc.Close()
			b, _ := io.ReadAll(rc)
			results[fo.Name] = append(results[fo.Name], string(b))
			return nil
		})
	}
	in := results["Inbox"]
	if len(in) != 4 || in[0] != string(ok) || in[3] != string(ok) ||
		!strings.Contains(in[1], "loop") || !strings.Contains(in[2], "4294967295 bytes") || errs["Inbox"] != nil {
		t.Errorf("Inbox: %q, %v", in, errs["Inbox"])
	}
	if errs["Loop"] == nil || !strings.Contains(errs["Loop"].Error(), "loops") || len(results["Loop"]) == 0 {
		t.Errorf("Loop: %v after %d messages", errs["Loop"], len(results["Loop"]))
	}
	if errs["Short"] == nil || !strings.Contains(errs["Short"].Error(), "not an Outlook Express") {
		t.Errorf("Short: %v", errs["Short"])
	}
}

// blockAddrs returns the addresses of the first block of each message in
// a file written by dbxMessages (blocks whose marker is their address and
// whose size word is 0x200), in order.
func blockAddrs(b []byte) []int {
	var out []int
	for a := dbxHeaderSize; a+16 <= len(b); a++ {
		if binary.LittleEndian.Uint32(b[a:]) == uint32(a) && binary.LittleEndian.Uint32(b[a+4:]) == 0x200 {
			out = append(out, a)
			a += 16 + 0x200 - 1
		}
	}
	return out
}
