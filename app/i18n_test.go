package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/go-text/typesetting/font"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/assets"
	"github.com/mailark/mailark/internal/autoconfig"
	"github.com/mailark/mailark/internal/mailerr"
)

func readTranslation(t *testing.T, code string) map[string]string {
	t.Helper()
	data, err := assets.Translations.ReadFile("translation/" + code + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s.json: %v", code, err)
	}
	m, err := flatten(data)
	if err != nil {
		t.Fatalf("%s.json: %v", code, err)
	}
	return m
}

func TestTranslationsComplete(t *testing.T) {
	en, ja := readTranslation(t, "en"), readTranslation(t, "ja")
	for k, v := range en {
		if strings.TrimSpace(v) == "" {
			t.Errorf("en.json %q is empty", k)
		}
		jv, ok := ja[k]
		if !ok {
			t.Errorf("ja.json lacks %q", k)
			continue
		}
		if strings.TrimSpace(jv) == "" {
			t.Errorf("ja.json %q is empty", k)
		}
		// The same placeholders on both sides.
		if a, b := placeholders(v), placeholders(jv); a != b {
			t.Errorf("%q: placeholders differ: en %s, ja %s", k, a, b)
		}
	}
	for k := range ja {
		if _, ok := en[k]; !ok {
			t.Errorf("ja.json has %q, en.json does not", k)
		}
	}
}

var placeholderRE = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func placeholders(s string) string {
	var names []string
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		names = append(names, m[1])
	}
	sortStrings(names)
	return strings.Join(names, ",")
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// Every character of every translation is in the bundled font, so no text
// of the app falls back to a system font (or to boxes on a computer with
// no Japanese font).
func TestBundledFontHasEveryGlyph(t *testing.T) {
	for _, data := range [][]byte{assets.Font, assets.FontBold} {
		f, err := font.ParseTTF(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for _, code := range []string{"en", "ja"} {
			for k, v := range readTranslation(t, code) {
				for _, r := range v {
					if unicode.IsSpace(r) {
						continue
					}
					if _, ok := f.NominalGlyph(r); !ok {
						t.Errorf("%s.json %q: %q (%U) is not in the bundled font", code, k, r, r)
					}
				}
			}
		}
	}
}

// No user-visible string is hard-coded: string literals with letters are
// never passed straight to widget, dialog or container constructors or to
// SetText-like methods, and every key the code names exists.
func TestNoHardCodedStrings(t *testing.T) {
	en := readTranslation(t, "en")
	namespaces := map[string]bool{}
	for k := range en {
		namespaces[strings.SplitN(k, ".", 2)[0]] = true
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keyRE := regexp.MustCompile(`^[a-z]+(\.[a-z0-9-]+)+\.?$`)
	textMethods := map[string]bool{"SetText": true, "SetPlaceHolder": true, "SetTitle": true,
		"NewFormItem": true, "ShowInformation": true, "ShowConfirm": true}
	fset := token.NewFileSet()
	for _, name := range files {
		// script.go is the screenshot hook: it types a wrong password
		// and a search word into entries, as a person would.
		if strings.HasSuffix(name, "_test.go") || name == "script.go" {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				if id, ok := x.Fun.(*ast.Ident); ok && (id.Name == "tr" || id.Name == "say" || id.Name == "trn") && len(x.Args) > 0 {
					if lit, ok := x.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						key, _ := strconv.Unquote(lit.Value)
						if strings.HasSuffix(key, ".") {
							return true // a prefix, completed at run time (tested below)
						}
						want := []string{key}
						if id.Name == "trn" {
							want = []string{key + ".one", key + ".other"}
						}
						for _, k := range want {
							if _, ok := en[k]; !ok {
								t.Errorf("%s: key %q is not in en.json", fset.Position(lit.Pos()), k)
							}
						}
					}
					return true
				}
				sel, ok := x.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				pkg, _ := sel.X.(*ast.Ident)
				uiCall := pkg != nil && (pkg.Name == "widget" || pkg.Name == "dialog" || pkg.Name == "container")
				if !uiCall && !textMethods[sel.Sel.Name] {
					return true
				}
				for _, a := range x.Args {
					if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, _ := strconv.Unquote(lit.Value)
						if strings.IndexFunc(s, unicode.IsLetter) >= 0 {
							t.Errorf("%s: string literal %s passed to %s: use tr()", fset.Position(lit.Pos()), lit.Value, sel.Sel.Name)
						}
					}
				}
			case *ast.BasicLit:
				// Keys written elsewhere (tables of keys): they must exist.
				if x.Kind != token.STRING {
					return true
				}
				s, _ := strconv.Unquote(x.Value)
				if keyRE.MatchString(s) && !strings.HasSuffix(s, ".") && namespaces[strings.SplitN(s, ".", 2)[0]] &&
					!strings.HasSuffix(s, ".sqlite") {
					_, plural := en[s+".one"]
					if _, ok := en[s]; !ok && !plural {
						t.Errorf("%s: %q looks like a key but is not in en.json", fset.Position(x.Pos()), s)
					}
				}
			}
			return true
		})
	}

	// Keys built at run time.
	var dynamic []string
	for _, p := range autoconfig.Providers() {
		for _, n := range p.Needs {
			dynamic = append(dynamic, "hint."+string(n))
		}
	}
	for _, f := range exportFormats {
		dynamic = append(dynamic, "format."+string(f))
	}
	for _, f := range addressbook.Formats() {
		dynamic = append(dynamic, "format."+string(f))
	}
	for _, r := range []string{"inbox", "sent", "drafts", "trash", "junk", "archive", "all", "flagged"} {
		dynamic = append(dynamic, "folder.role."+r)
	}
	for _, k := range kindKeys {
		dynamic = append(dynamic, k)
	}
	for _, l := range announceLangs {
		dynamic = append(dynamic, "announce.lang."+l)
	}
	for _, k := range dynamic {
		if _, ok := en[k]; !ok {
			t.Errorf("run-time key %q is not in en.json", k)
		}
	}
}

// Switching the language changes every visible string: after the switch no
// text on any screen is an English translation that has a different
// Japanese one.
func TestLanguageSwitchChangesEveryString(t *testing.T) {
	sw := newLanguageSwitch(t)
	ja := sw.ja
	f := newFakes()
	f.gate.verdict = allGreen
	u := newTestUI(t, f)
	toContacts(t, u)

	for _, step := range []int{stepAccount, stepSurvey, stepStores, stepBackup, stepContacts, stepVerify, stepMigrate, stepDone} {
		after := sw.check(t, u, fmt.Sprintf("step %d", step), func() {
			u.step = step
			u.render()
		})
		if !contains(after, ja["step.account"][strings.Index(ja["step.account"], " ")+1:]) {
			t.Errorf("step %d: the step bar is not in Japanese: %q", step, after)
		}
	}
}

// languageSwitch checks what switching the window from English to
// Japanese changes.
type languageSwitch struct {
	ja      map[string]string
	english map[string]string // English text → key, where Japanese differs
}

func newLanguageSwitch(t *testing.T) languageSwitch {
	en, ja := readTranslation(t, "en"), readTranslation(t, "ja")
	english := map[string]string{}
	for k, v := range en {
		if ja[k] != v && !strings.Contains(v, "{{") {
			english[v] = k
		}
	}
	return languageSwitch{ja: ja, english: english}
}

// check draws the window in English (show puts on it what is checked),
// switches it to Japanese and reports what did not follow: nothing
// changed, or a text still in English. It returns the Japanese texts.
func (sw languageSwitch) check(t *testing.T, u *ui, what string, show func()) []string {
	t.Helper()
	u.switchLanguage("en")
	show()
	before := texts(u.win.Canvas())
	u.switchLanguage("ja")
	after := texts(u.win.Canvas())
	if strings.Join(before, "|") == strings.Join(after, "|") {
		t.Errorf("%s: nothing changed", what)
	}
	for _, s := range after {
		if k, ok := sw.english[s]; ok {
			t.Errorf("%s: %q (%s) still in English after switching to Japanese", what, s, k)
		}
	}
	return after
}

func TestAccountScreenMarkup(t *testing.T) {
	for _, code := range []string{"en", "ja"} {
		t.Run(code, func(t *testing.T) {
			f := newFakes()
			u := newTestUI(t, f)
			u.switchLanguage(code)
			test.Type(u.account.email, "hanako@gmail.com")
			u.render()
			test.AssertRendersToMarkup(t, "account_gmail_"+code+".xml", u.win.Canvas())
		})
	}
}

func TestVerifyScreenMarkup(t *testing.T) {
	u, _ := atGate(t, closedVerdict())
	test.AssertRendersToMarkup(t, "verify_closed_en.xml", u.win.Canvas())
}

// TestEveryErrorKindHasWords: each kind of engine error is said in the
// window's own words (en and ja), never as the engine's English.
func TestEveryErrorKindHasWords(t *testing.T) {
	for k := mailerr.Unknown; !strings.HasPrefix(k.String(), "kind("); k++ {
		if _, ok := kindKeys[k]; !ok {
			t.Errorf("error kind %s has no translation key in kindKeys", k)
		}
	}
}

// Fyne's own dialogs (file save, Yes/No) speak the chosen language.
func TestFyneDialogsTranslated(t *testing.T) {
	u := newTestUI(t, newFakes())
	u.switchLanguage("ja")
	for key, want := range map[string]string{"Yes": "はい", "No": "いいえ", "Save": "保存", "Cancel": "キャンセル", "Open": "開く"} {
		if got := lang.L(key); got != want {
			t.Errorf("Fyne's %q in Japanese = %q, want %q", key, got, want)
		}
	}
	d := dialog.NewConfirm("t", "m", func(bool) {}, u.win)
	d.Show()
	var labels []string
	for _, o := range test.LaidOutObjects(u.win.Canvas().Overlays().Top()) {
		if b, ok := o.(*widget.Button); ok {
			labels = append(labels, b.Text)
		}
	}
	d.Hide()
	if !slices.Contains(labels, "はい") || !slices.Contains(labels, "いいえ") {
		t.Errorf("the confirm dialog's buttons = %q, want はい and いいえ", labels)
	}
	u.switchLanguage("en")
	if got := lang.L("Yes"); got != "Yes" {
		t.Errorf("back in English, Yes = %q", got)
	}
}
