package mailtext_test

import (
	"testing"

	"github.com/mailark/mailark/internal/mailtext"
)

func BenchmarkParseAddressList(b *testing.B) {
	inputs := [][]byte{
		[]byte(`"Yamada, Taro" <taro@example.jp>, Hanako <hanako@example.jp>`),
		[]byte(`=?ISO-2022-JP?B?GyRCOzNFRBsoQiAbJEIyVjtSGyhC?= <hanako@example.jp>`),
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range inputs {
			mailtext.ParseAddressList(in)
		}
	}
}
