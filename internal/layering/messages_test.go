package layering

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// frontEndWords are a command line's words: "mailark verify", "--archive".
var frontEndWords = regexp.MustCompile(`mailark [a-z]|(^|[\s(])--[a-z]`)

// Engine error messages describe the problem; each front-end adds the next
// step in its own terms (internal/cli a command or flag, app a button). So
// no error text an engine package makes (errors.New, fmt.Errorf) names a
// mailark command or a --flag.
func TestEngineErrorsNameNoFlags(t *testing.T) {
	for _, dir := range []string{"backup", "gate", "migrate", "addressbook", "internal/archive",
		"internal/imapconn", "internal/pop3", "internal/autoconfig", "internal/mbox", "internal/settings", "internal/demo", "desk"} {
		t.Run(dir, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join("..", "..", dir, "*.go"))
			if len(files) == 0 {
				t.Fatalf("no Go files in %s", dir)
			}
			fset := token.NewFileSet()
			for _, path := range files {
				if strings.HasSuffix(path, "_test.go") {
					continue
				}
				src, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				f, err := parser.ParseFile(fset, path, src, 0)
				if err != nil {
					t.Fatal(err)
				}
				ast.Inspect(f, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok || !isErrorConstructor(call.Fun) {
						return true
					}
					for _, arg := range call.Args {
						lit, ok := arg.(*ast.BasicLit)
						if !ok || lit.Kind != token.STRING {
							continue
						}
						if s, err := strconv.Unquote(lit.Value); err == nil && frontEndWords.MatchString(s) {
							t.Errorf("%s: error text names the command line: %q", fset.Position(lit.Pos()), s)
						}
					}
					return true
				})
			}
		})
	}
}

// isErrorConstructor: errors.New, fmt.Errorf, mailerr.New.
func isErrorConstructor(fun ast.Expr) bool {
	sel, ok := fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	switch pkg.Name + "." + sel.Sel.Name {
	case "errors.New", "fmt.Errorf", "mailerr.New":
		return true
	}
	return false
}
