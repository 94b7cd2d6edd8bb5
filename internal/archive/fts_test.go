package archive_test

import (
	"testing"

	"github.com/mailark/mailark/internal/archive"
)

func TestIndexTerms(t *testing.T) {
	tests := []struct{ in, want string }{
		{"会議の件", " 会議 議の の件"},
		{"Re: 会議", "Re:  会議"},
		{"見", " 見"},
		{"plain words", "plain words"},
		{"ミーティング2024", " ミー ーテ ティ ィン ング 2024"},
	}
	for _, tt := range tests {
		if got := archive.IndexTerms(tt.in); got != tt.want {
			t.Errorf("IndexTerms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMatchQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"会議", `"会議"`},
		{"会議の", `"会議 議の"`},
		{"会", `"会"*`},
		{"invoice 会議", `"invoice" "会議"`},
		{`"; DROP`, `"DROP"`},
		{"  ", ""},
	}
	for _, tt := range tests {
		if got := archive.MatchQuery(tt.in); got != tt.want {
			t.Errorf("MatchQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
