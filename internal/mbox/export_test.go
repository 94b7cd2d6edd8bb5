package mbox

import "io"

// BufferSize is the size of the buffers of WriteMessage and NewReader.
const BufferSize = bufferSize

// NewReaderSize is NewReader with a buffer of size bytes (at least 16), so
// that tests reach buffer boundaries with small inputs.
func NewReaderSize(r io.Reader, size int) *Reader { return newReaderSize(r, size) }

// WriteMessageBuf is WriteMessage reading the message through buf.
func WriteMessageBuf(w io.Writer, sep Separator, msg io.ReaderAt, size int64, buf []byte) (int64, error) {
	return writeMessage(w, sep, msg, size, &scratch{buf: buf})
}

// SeparatorHeadMax is how much of a long separator line Reader keeps.
const SeparatorHeadMax = sepHeadMax
