package testimap

import "testing"

func TestLiteralAt(t *testing.T) {
	tests := []struct {
		line string
		want int64
	}{
		{"A1 APPEND INBOX {310}\r\n", 310},
		{"A1 APPEND INBOX (\\Seen) {12+}\r\n", 12},
		{"* 1 FETCH (UID 1 BODY[] {0}\r\n", 0},
		{"A2 LOGIN user pass\r\n", -1},
		{"* OK [ALERT] {braces} in text}\r\n", -1},
		{"{x}\r\n", -1},
		{"partial {12", -1},
	}
	for _, tt := range tests {
		if got := literalAt([]byte(tt.line)); got != tt.want {
			t.Errorf("literalAt(%q) = %d, want %d", tt.line, got, tt.want)
		}
	}
}
