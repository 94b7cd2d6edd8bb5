package mailtext_test

import (
	"encoding/json"
	"testing"

	"github.com/mailark/mailark/internal/mailtext"
)

// obsoleteCases are RFC 5322's obsolete address forms (section 4.4 and
// appendix A.6), as headers, with the addresses they hold.
var obsoleteCases = []struct {
	name, in string
	want     []string
}{
	{"dot between spaces", `jdoe@test   . example`, []string{"jdoe@test.example"}},
	{"comments around the at", `pete(his account)@silly.test(his host)`, []string{"pete@silly.test"}},
	{"comment after the at", `c@(Chris's host.)public.example`, []string{"c@public.example"}},
	{"in angle brackets", `Pete(A nice \) chap) <pete(his account)@silly.test(his host)>`, []string{"pete@silly.test"}},
	{"spaced dot in angle brackets", `<jdoe@test . example>`, []string{"jdoe@test.example"}},
	{"spaced local part", `john . doe @ example.com`, []string{"john.doe@example.com"}},
	{"the RFC's group", "A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n" +
		"         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the group)",
		[]string{"c@public.example", "joe@example.org", "jdoe@one.test"}},
	{"in a list", `a@example.com, jdoe@test . example, b@example.com`, []string{"a@example.com", "jdoe@test.example", "b@example.com"}},
}

// TestObsoleteAddresses: every address of the obsolete forms is read, whole
// and once, with no stray part.
func TestObsoleteAddresses(t *testing.T) {
	for _, c := range obsoleteCases {
		t.Run(c.name, func(t *testing.T) {
			got, _ := mailtext.ParseAddressList([]byte(c.in))
			if len(got) != len(c.want) {
				t.Fatalf("ParseAddressList(%q) = %+v, want %q", c.in, got, c.want)
			}
			for i, a := range got {
				if a.Email != c.want[i] || a.Stray {
					t.Errorf("ParseAddressList(%q)[%d] = %+v, want %s", c.in, i, a, c.want[i])
				}
			}
		})
	}
	// A name missing its brackets stays a name: only its own dot or '@'
	// joins a local part across white space.
	got, _ := mailtext.ParseAddressList([]byte(`Mr. smith@example.com`))
	if len(got) != 1 || got[0].Email != "smith@example.com" || got[0].Name != "Mr." {
		t.Errorf(`ParseAddressList("Mr. smith@example.com") = %+v`, got)
	}
}

// TestObsoleteAddressesPython: Python's email.headerregistry reads the same
// addresses from the obsolete forms.
func TestObsoleteAddressesPython(t *testing.T) {
	const script = `
import json, sys
from email import message_from_string, policy
out = []
for h in json.load(sys.stdin):
    m = message_from_string("To: " + h + "\n\n", policy=policy.default)
    out.append([a.addr_spec for a in m["to"].addresses])
json.dump(out, sys.stdout)
`
	var in []string
	for _, c := range obsoleteCases {
		in = append(in, c.in)
	}
	var res [][]string
	if err := json.Unmarshal(runPython(t, script, in), &res); err != nil {
		t.Fatal(err)
	}
	for i, c := range obsoleteCases {
		got, _ := mailtext.ParseAddressList([]byte(c.in))
		var emails []string
		for _, a := range got {
			emails = append(emails, a.Email)
		}
		if len(emails) != len(res[i]) {
			t.Errorf("%s: mailtext reads %q, Python %q", c.name, emails, res[i])
			continue
		}
		for j := range emails {
			if emails[j] != res[i][j] {
				t.Errorf("%s: mailtext reads %q, Python %q", c.name, emails, res[i])
			}
		}
	}
}
