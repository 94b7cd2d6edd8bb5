//go:build unix

package backup

import "syscall"

// mapBuffer returns n bytes of memory mapped for one message buffer,
// outside the Go heap (mapped true), or, when the system refuses, from
// the heap.
func mapBuffer(n int) (b []byte, mapped bool) {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return make([]byte, n), false
	}
	return b, true
}

// unmapBuffer gives a mapped buffer back to the system.
func unmapBuffer(b []byte) { _ = syscall.Munmap(b[:cap(b)]) }
