package desk

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/progress"
)

// Summary file names in the desk folder.
const (
	SummaryCSV  = "summary.csv"
	SummaryHTML = "summary.html"
)

// WriteSummary writes the desk summary of every account (CSV for
// spreadsheets, HTML to read) into the desk folder, in lang.
func (d *Desk) WriteSummary(ctx context.Context, lang string) ([]string, error) {
	list, err := d.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	var c bytes.Buffer
	c.WriteString("\ufeff")
	w := csv.NewWriter(&c)
	_ = w.Write([]string{"customer", "old_user", "old_host", "new_user", "deadline", "state", "step", "round", "archived_messages",
		"gate", "gate_reasons", "error_kind", "error", "report", "archive_pc", "archive_path"})
	for _, s := range list {
		var reasons []string
		for _, r := range s.GateReasons {
			reasons = append(reasons, r.pick(lang))
		}
		report := ""
		if _, err := os.Stat(filepath.Join(d.CustomerDir(s.Customer), ReportHTML)); err == nil {
			report = filepath.Join("customers", s.Customer, ReportHTML)
		}
		_ = w.Write([]string{csvSafe(s.Customer), csvSafe(s.OldUser), csvSafe(s.OldHost), csvSafe(s.NewUser), s.Deadline, s.State, s.Step,
			strconv.Itoa(s.Round), strconv.FormatInt(s.Messages, 10), s.Gate, csvSafe(strings.Join(reasons, "; ")), s.ErrorKind,
			csvSafe(s.ErrorText), report, csvSafe(s.ArchivePC), csvSafe(s.ArchivePath)})
	}
	w.Flush()
	var h bytes.Buffer
	if err := summaryPage.Execute(&h, map[string]any{"L": words[lang], "Lang": lang, "Rows": boardRows(list, lang)}); err != nil {
		return nil, err
	}
	var paths []string
	for name, data := range map[string][]byte{SummaryCSV: c.Bytes(), SummaryHTML: h.Bytes()} {
		p := filepath.Join(d.Dir, name)
		if err := writeAtomic(p, data); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func writeAtomic(p string, data []byte) error {
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return mailerr.New(mailerr.Permission, "write", p, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return mailerr.New(mailerr.Permission, "write", p, err)
	}
	return nil
}

func (r Reason) pick(lang string) string {
	if lang == "ja" && r.JA != "" {
		return r.JA
	}
	return r.EN
}

// boardRow is one account as the board and the summary show it.
type boardRow struct {
	Status
	StepWords  string   `json:"step_words"`
	StateWords string   `json:"state_words"`
	ErrorWords string   `json:"error_words,omitempty"`
	Reasons    []string `json:"reasons,omitempty"`
	Percent    float64  `json:"percent"`
	RateWords  string   `json:"rate_words,omitempty"`
	ETAWords   string   `json:"eta_words,omitempty"`
	Report     string   `json:"report,omitempty"` // link, when the report exists
	// ArchiveWords: where the archive is, on a desk with per-worker archives.
	ArchiveWords string `json:"archive_words,omitempty"`
	// NeedsPerson: the account is on the "needs a person" list.
	NeedsPerson bool `json:"needs_person"`
}

func boardRows(list []Status, lang string) []boardRow {
	rows := make([]boardRow, 0, len(list))
	for _, s := range list {
		r := boardRow{Status: s, StepWords: word(lang, "step."+s.Step), StateWords: word(lang, "state."+s.State),
			ErrorWords: s.ErrorWords(lang), Percent: float64(int(s.Progress()*1000)) / 10,
			ArchiveWords: s.ArchiveWords(lang), NeedsPerson: s.NeedsPerson()}
		for _, x := range s.GateReasons {
			r.Reasons = append(r.Reasons, x.pick(lang))
		}
		if s.Rate > 0 && s.State == StateWorking {
			r.RateWords = progress.Bytes(int64(s.Rate)) + "/s"
		}
		if s.ETASeconds > 0 && s.State == StateWorking {
			r.ETAWords = etaWords(s.ETASeconds)
		}
		if s.Gate != "" {
			r.Report = "customers/" + s.Customer + "/" + ReportHTML
		}
		rows = append(rows, r)
	}
	return rows
}

func etaWords(sec int64) string {
	switch {
	case sec >= 3600:
		return fmt.Sprintf("%dh%02dm", sec/3600, sec%3600/60)
	case sec >= 60:
		return fmt.Sprintf("%dm%02ds", sec/60, sec%60)
	}
	return fmt.Sprintf("%ds", sec)
}

var summaryPage = template.Must(template.New("summary").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{index .L "title"}}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}</style>
</head><body><h1>{{index .L "title"}}</h1>
<table><tr><th>{{index .L "customer"}}</th><th>{{index .L "account"}}</th><th>{{index .L "step"}}</th><th>{{index .L "gate"}}</th><th>{{index .L "error"}}</th><th>{{index .L "report"}}</th></tr>
{{range .Rows}}<tr><td>{{.Customer}}</td><td>{{.OldUser}} ({{.OldHost}})</td><td>{{.StateWords}}: {{.StepWords}}</td>
<td>{{if eq .Gate "open"}}{{index $.L "open"}}{{else if eq .Gate "closed"}}{{index $.L "closed"}}{{range .Reasons}}<br>{{.}}{{end}}{{end}}</td>
<td>{{.ErrorWords}}{{if .ErrorText}}<br><small>{{.ErrorText}}</small>{{end}}{{if .ArchiveWords}}<br><small>{{index $.L "archive"}}: {{.ArchiveWords}}</small>{{end}}</td>
<td>{{if .Report}}<a href="{{.Report}}">{{index $.L "report"}}</a>{{end}}</td></tr>
{{end}}</table></body></html>
`))
