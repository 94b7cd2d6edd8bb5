//go:build !unix

package backup

// mapBuffer returns a message buffer from the Go heap: the list keeps
// such buffers all the same (mapped true), and the collector frees those
// it lets go.
func mapBuffer(n int) (b []byte, mapped bool) { return make([]byte, n), true }

func unmapBuffer([]byte) {}
