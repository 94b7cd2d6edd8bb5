package mbox

import "bytes"

// EntryMessage gives, in place, the message of the entry that raw begins
// with, for a reader that has the entry's bytes in memory already (one read
// of the file, where a Reader reads it through its buffer). raw is the
// whole entry as WriteMessage wrote it when whole is set, else its first
// bytes. EntryMessage removes the quoting '>' in raw and returns the
// message: with whole, exactly its bytes; else its first bytes, up to the
// last line raw holds whole, possibly followed by the entry's final
// newline(s) — so a caller takes no more than the message's size. ok is
// false when raw is not such an entry (no separator line, or with whole
// not the final newline(s)); a Reader then says what is there.
func EntryMessage(raw []byte, whole bool) (msg []byte, ok bool) {
	if !bytes.HasPrefix(raw, fromBytes) {
		return nil, false
	}
	nl := bytes.IndexByte(raw, '\n')
	if nl < 0 {
		return nil, false
	}
	body := raw[nl+1:]
	if whole {
		strip := 1
		if bytes.HasSuffix(raw[:nl], []byte(noFinalNewlineField)) {
			strip = 2
		}
		if len(body) < strip || !bytes.HasSuffix(body, newlines[:strip]) {
			return nil, false
		}
		body = body[:len(body)-strip]
	} else {
		// The last line may be cut: whether its '>' quotes is not known.
		body = body[:bytes.LastIndexByte(body, '\n')+1]
	}
	return unquote(body), true
}

// unquote removes, in place, one '>' from each line of b that matches
// ^>+From (the line-by-line rule of a Reader) and returns what is left. It
// looks only at the '>' bytes, which base64 and most text lines have none
// of.
func unquote(b []byte) []byte {
	w, r := 0, 0 // b[:w] is done; b[r:] is still to copy down
	for i := 0; i < len(b); {
		k := bytes.IndexByte(b[i:], '>')
		if k < 0 {
			break
		}
		k += i
		if k > 0 && b[k-1] != '\n' {
			i = k + 1
			continue
		}
		j := k + 1
		for j < len(b) && b[j] == '>' {
			j++
		}
		if bytes.HasPrefix(b[j:], fromBytes) {
			w += copy(b[w:], b[r:k])
			r = k + 1
		}
		i = j
	}
	w += copy(b[w:], b[r:])
	return b[:w]
}
