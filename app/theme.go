package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/mailark/mailark/assets"
)

// mailarkTheme is Fyne's default theme in its light variant with three
// changes: every text style uses the bundled M PLUS 1 (regular and bold),
// so Japanese renders on a computer with no Japanese font; the primary
// colour is always the same blue, because support says "press the blue
// button"; and text is a little larger. The light variant is fixed so the
// window looks the same on every computer a support agent talks about.
type mailarkTheme struct {
	fyne.Theme
	regular, bold fyne.Resource
}

var (
	fontRegular = fyne.NewStaticResource("Mplus1-Regular.otf", assets.Font)
	fontBold    = fyne.NewStaticResource("Mplus1-Bold.otf", assets.FontBold)
)

func newTheme() fyne.Theme {
	return &mailarkTheme{Theme: theme.DefaultTheme(), regular: fontRegular, bold: fontBold}
}

// The blue of the primary button, dark enough for white text.
var primaryBlue = color.NRGBA{R: 0x15, G: 0x65, B: 0xC0, A: 0xFF}

func (t *mailarkTheme) Font(s fyne.TextStyle) fyne.Resource {
	switch {
	case s.Symbol:
		return t.Theme.Font(s)
	case s.Bold:
		return t.bold
	}
	return t.regular
}

func (t *mailarkTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNamePrimary, theme.ColorNameHyperlink:
		return primaryBlue
	case theme.ColorNameForegroundOnPrimary:
		return color.White
	}
	return t.Theme.Color(n, theme.VariantLight)
}

func (t *mailarkTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 15
	case theme.SizeNameHeadingText:
		return 22
	case theme.SizeNameSubHeadingText:
		return 17
	}
	return t.Theme.Size(n)
}
