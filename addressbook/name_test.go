package addressbook_test

import (
	"testing"

	"github.com/mailark/mailark/addressbook"
)

func TestSplitName(t *testing.T) {
	type np = addressbook.NameParts
	tests := []struct {
		in   string
		want np
	}{
		{"", np{}},
		{"山田 花子", np{Family: "山田", Given: "花子"}},
		{"山田花子", np{Given: "山田花子"}},
		{"山田 花子 (営業)", np{Family: "山田", Given: "花子"}},
		{"株式会社テスト 営業部", np{Given: "株式会社テスト 営業部"}},
		{"阿部 寛", np{Family: "阿部", Given: "寛"}},
		{"ヤマダ ハナコ", np{Family: "ヤマダ", Given: "ハナコ"}},
		{"山田 花子 営業部 課長", np{Given: "山田 花子 営業部 課長"}},
		{"Hanako Yamada", np{Given: "Hanako", Family: "Yamada"}},
		{"Yamada Hanako", np{Given: "Yamada", Family: "Hanako"}},
		{"YAMADA Hanako", np{Family: "YAMADA", Given: "Hanako"}},
		{"Yamada, Hanako", np{Family: "Yamada", Given: "Hanako"}},
		{"Jean-Luc Picard (Starfleet Command, Sector 001)", np{Given: "Jean-Luc", Family: "Picard"}},
		{"John Ronald Reuel Tolkien", np{Given: "John", Middle: "Ronald Reuel", Family: "Tolkien"}},
		{"Cher", np{Given: "Cher"}},
		{"Acme, Inc.", np{Given: "Acme, Inc."}},
		{"Acme Support", np{Given: "Acme Support"}},
		{"info@example.com", np{Given: "info@example.com"}},
		{"(Sales)", np{Given: "(Sales)"}},
		{"a, b, c", np{Given: "a, b, c"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := addressbook.SplitName(tt.in); got != tt.want {
				t.Errorf("SplitName(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}
