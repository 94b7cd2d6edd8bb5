package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/mailark/mailark/assets"
)

// Languages the app speaks, in the order the switcher lists them.
var languages = []struct{ code, name string }{
	{"en", "English"},
	{"ja", "日本語"},
}

// i18n state. Every user-visible string is a key in
// assets/translation/{en,ja}.json looked up with lang.X; tr is the only
// way the screens get text. The files also hold Fyne's own words under
// Fyne's keys ("Yes", "Cancel", "Save", "file.name"…: its file dialogs,
// confirm dialogs and entry menus), which Fyne ships in no Japanese, so
// that those dialogs follow the chosen language too.
var (
	i18nOnce sync.Once
	i18nErr  error
	// files holds each translation file's bytes, by language code.
	files = map[string][]byte{}
	// english is en.json flattened, the fallback lang.X is given.
	english = map[string]string{}
	// current is the language shown; only the UI goroutine changes it.
	current = "en"
)

func loadTranslations() error {
	i18nOnce.Do(func() {
		for _, l := range languages {
			data, err := assets.Translations.ReadFile(assets.TranslationDir + "/" + l.code + ".json")
			if err != nil {
				i18nErr = err
				return
			}
			files[l.code] = data
		}
		m, err := flatten(files["en"])
		if err != nil {
			i18nErr = fmt.Errorf("en.json: %w", err)
			return
		}
		english = m
		i18nErr = lang.AddTranslationsFS(assets.Translations, assets.TranslationDir)
	})
	return i18nErr
}

// flatten reads a translation file: each key maps to a string, or to an
// object whose "other" is the string (go-i18n's form).
func flatten(data []byte) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out[k] = s
			continue
		}
		var forms map[string]string
		if err := json.Unmarshal(v, &forms); err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		out[k] = forms["other"]
	}
	return out, nil
}

// systemLanguage picks ja or en from the system locale.
func systemLanguage() string {
	if strings.HasPrefix(strings.ToLower(string(lang.SystemLocale())), "ja") {
		return "ja"
	}
	return "en"
}

// setLanguage makes lang.X answer in code ("en" or "ja") whatever the system
// locale is. Fyne has no call to pick a language at run time: it matches
// the system locale against the loaded files once per load. So the chosen
// language's file is loaded under every tag that match can land on (en, ja
// and the system's own language), and the answer is the chosen language.
// Call it on the UI goroutine.
func setLanguage(code string) error {
	if err := loadTranslations(); err != nil {
		return err
	}
	data, ok := files[code]
	if !ok {
		return fmt.Errorf("no translation for %q", code)
	}
	tags := []fyne.Locale{"en", "ja"}
	if sys := lang.SystemLocale().LanguageString(); sys != "en" && sys != "ja" && sys != "" {
		tags = append(tags, fyne.Locale(sys))
	}
	for _, t := range tags {
		if err := lang.AddTranslationsForLocale(data, t); err != nil {
			return err
		}
	}
	current = code
	return nil
}

// tr returns the text for key in the current language; data fills
// {{.Name}} placeholders (pass a map[string]any).
func tr(key string, data ...any) string {
	return lang.X(key, english[key], data...)
}

// trn picks key.one for n == 1 and key.other otherwise, with .N set to n.
func trn(key string, n int64, data map[string]any) string {
	if data == nil {
		data = map[string]any{}
	}
	data["N"] = formatCount(n)
	if n == 1 {
		return tr(key+".one", data)
	}
	return tr(key+".other", data)
}

// msg is a text to show later, kept as key and data so that it follows a
// language switch.
type msg struct {
	key  string
	data map[string]any
	// raw, when set, is shown as is (a name, a path): not translated.
	raw string
}

func (m msg) String() string {
	if m.key == "" {
		return m.raw
	}
	return tr(m.key, m.data)
}

func (m msg) empty() bool { return m.key == "" && m.raw == "" }

// say builds a msg.
func say(key string, kv ...any) msg {
	m := msg{key: key}
	if len(kv) > 0 {
		m.data = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m.data[kv[i].(string)] = kv[i+1]
		}
	}
	return m
}
