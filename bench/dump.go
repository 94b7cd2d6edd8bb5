package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
)

// dumpCorpus writes the corpus of n messages to path, each message as an
// 8-byte little-endian length and then its bytes, with CRLF line breaks as
// Dovecot sends them (a bare CR stays). BenchmarkPipeline in backup reads
// it: the backup's stages after the network, with no server on the
// machine.
func dumpCorpus(path string, n int, seed uint64) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var total int64
	for i := range n {
		raw := generate(seed, i, n).raw
		raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
		raw = bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n"))
		var h [8]byte
		binary.LittleEndian.PutUint64(h[:], uint64(len(raw)))
		w.Write(h[:])
		w.Write(raw)
		total += int64(len(raw))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Printf("wrote %d messages, %.0f MB, to %s\n", n, mb(total), path)
	return nil
}
