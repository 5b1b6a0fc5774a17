package logging_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The logging policy, checked over every non-test Go file of the product
// (ctdbd/, recoverd/, tools/, internal/):
//
//   - a message starts with a capital letter (or a format verb whose value
//     is a name, such as "%s: ...");
//   - each level has one name: Error, Warning (CTDB's name for it), Info,
//     Debug, Trace (logrus' Warn and Warnf are the same level under a
//     second name);
//   - a field adds what the message does not say: a value given as a
//     field is not also formatted into the message.
//
// A log call is recognised by its shape: a level method called on a
// logger (an identifier or field named log, logger or lg, or anything
// built with WithField, WithFields or WithError).

var levelMethods = map[string]bool{
	"Error": true, "Errorf": true, "Warning": true, "Warningf": true,
	"Info": true, "Infof": true, "Debug": true, "Debugf": true,
	"Trace": true, "Tracef": true,
	// Second names, refused below.
	"Warn": true, "Warnf": true, "Print": true, "Printf": true,
}

var secondNames = map[string]string{
	"Warn": "Warning", "Warnf": "Warningf", "Print": "Info", "Printf": "Infof",
}

type violation struct {
	pos  token.Position
	what string
}

func TestLoggingPolicy(t *testing.T) {
	root := filepath.Join("..", "..")
	var found []violation
	for _, dir := range []string{"ctdbd", "recoverd", "tools", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			vs, err := checkLogPolicy(path)
			if err != nil {
				return err
			}
			found = append(found, vs...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range found {
		t.Errorf("%s: %s", v.pos, v.what)
	}
}

// TestLoggingPolicyCatches shows the checker finds each kind of violation.
func TestLoggingPolicyCatches(t *testing.T) {
	src := `package x
func f() {
	d.log.Info("node is up")
	d.log.Warnf("Node %d is down", pnn)
	d.log.WithField("pnn", pnn).Infof("Node %d is now connected", pnn)
	d.log.WithError(err).Errorf("Cannot send: %v", err)
	fmt.Errorf("lower case is fine here: %d", 1)
	d.log.Infof("%s: started", name)
	d.log.WithField("peer", pnn).Info("Connected")
}
`
	dir := t.TempDir()
	path := filepath.Join(dir, "x.go")
	if err := writeFile(path, src); err != nil {
		t.Fatal(err)
	}
	vs, err := checkLogPolicy(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, fmt.Sprintf("%d: %s", v.pos.Line, v.what))
	}
	want := []string{
		`3: message "node is up" does not start with a capital letter`,
		`4: Warnf is a second name for a level: use Warningf`,
		`5: field "pnn" repeats pnn, which the message already says`,
		`6: the error is both a field and in the message`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func checkLogPolicy(path string) ([]violation, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		return nil, err
	}
	var vs []violation
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || !levelMethods[sel.Sel.Name] {
			return true
		}
		fields, isLogger := loggerChain(sel.X)
		if !isLogger {
			return true
		}
		pos := fset.Position(call.Pos())
		if alt, ok := secondNames[sel.Sel.Name]; ok {
			vs = append(vs, violation{pos, fmt.Sprintf("%s is a second name for a level: use %s", sel.Sel.Name, alt)})
		}
		if len(call.Args) == 0 {
			return true
		}
		if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			msg, err := strconv.Unquote(lit.Value)
			if err == nil && !startsCapital(msg) {
				vs = append(vs, violation{pos, fmt.Sprintf("message %q does not start with a capital letter", msg)})
			}
		}
		args := map[string]bool{}
		for _, a := range call.Args[1:] {
			args[exprString(fset, a)] = true
		}
		for _, fl := range fields {
			v := exprString(fset, fl.value)
			if !args[v] {
				continue
			}
			if fl.key == "" {
				vs = append(vs, violation{pos, "the error is both a field and in the message"})
			} else {
				vs = append(vs, violation{pos, fmt.Sprintf("field %q repeats %s, which the message already says", fl.key, v)})
			}
		}
		return true
	})
	return vs, nil
}

type logField struct {
	key   string // "" for WithError
	value ast.Expr
}

// loggerChain reports whether e is a logger and the fields its
// WithField/WithError calls add.
func loggerChain(e ast.Expr) ([]logField, bool) {
	var fields []logField
	isLogger := false
	for {
		switch x := e.(type) {
		case *ast.CallExpr:
			sel, ok := x.Fun.(*ast.SelectorExpr)
			if !ok {
				return fields, isLogger
			}
			switch sel.Sel.Name {
			case "WithField":
				isLogger = true
				if len(x.Args) == 2 {
					key := "?"
					if lit, ok := x.Args[0].(*ast.BasicLit); ok {
						key, _ = strconv.Unquote(lit.Value)
					}
					fields = append(fields, logField{key, x.Args[1]})
				}
			case "WithError":
				isLogger = true
				if len(x.Args) == 1 {
					fields = append(fields, logField{"", x.Args[0]})
				}
			case "WithFields":
				isLogger = true
				if len(x.Args) == 1 {
					if cl, ok := x.Args[0].(*ast.CompositeLit); ok {
						for _, el := range cl.Elts {
							kv, ok := el.(*ast.KeyValueExpr)
							if !ok {
								continue
							}
							key := "?"
							if lit, ok := kv.Key.(*ast.BasicLit); ok {
								key, _ = strconv.Unquote(lit.Value)
							}
							fields = append(fields, logField{key, kv.Value})
						}
					}
				}
			default:
				return fields, isLogger
			}
			e = sel.X
		case *ast.SelectorExpr:
			return fields, isLogger || loggerName(x.Sel.Name)
		case *ast.Ident:
			return fields, isLogger || loggerName(x.Name)
		default:
			return fields, isLogger
		}
	}
}

func loggerName(s string) bool {
	switch s {
	case "log", "logger", "lg", "Log", "Logger":
		return true
	}
	return false
}

// startsCapital: an upper-case letter, or a leading format verb (the
// value is then a name, a path or a quoted string).
func startsCapital(msg string) bool {
	if msg == "" || strings.HasPrefix(msg, "%") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(msg)
	return !unicode.IsLower(r)
}

func exprString(fset *token.FileSet, e ast.Expr) string {
	var b strings.Builder
	printer.Fprint(&b, fset, e)
	return b.String()
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }
