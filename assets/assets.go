// Package assets holds the files built into the Mailark binary: the app icon,
// the translations of every user-visible string (translation/en.json and
// translation/ja.json, in the format of fyne.io/fyne/v2/lang, which is
// go-i18n's), and the font the GUI draws all text with (M PLUS 1, regular and
// bold, so that Japanese renders on a computer with no Japanese font
// installed; SIL Open Font License 1.1, fonts/OFL.txt). It has no GUI code.
package assets

import "embed"

// Translations holds translation/en.json and translation/ja.json.
//
//go:embed translation/*.json
var Translations embed.FS

// TranslationDir is the folder inside Translations.
const TranslationDir = "translation"

// Icon is the app icon, a 512×512 PNG.
//
//go:embed icon.png
var Icon []byte

// Font is M PLUS 1 Regular: Latin, kana and the JIS X 0208 kanji, with line
// metrics that leave room for descenders (IPAexGothic's do not: Fyne sizes
// text by the font's line metrics, and its g, p and y were cut off).
//
//go:embed fonts/Mplus1-Regular.otf
var Font []byte

// FontBold is M PLUS 1 Bold.
//
//go:embed fonts/Mplus1-Bold.otf
var FontBold []byte

// FontLicense is the SIL Open Font License 1.1 the fonts are distributed
// under, with their copyright notice.
//
//go:embed fonts/OFL.txt
var FontLicense string
