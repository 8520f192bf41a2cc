// Package rpctest checks a server's method table against its source: every
// row has a handler, and every handler of the server is in the table.
package rpctest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// Row is what the check needs of a table row; rpcserver.Method satisfies it.
type Row interface {
	Handler() any
}

// Handlers returns the names of the table's handlers, as "(*Type).method",
// failing the test for a row without one.
func Handlers[R Row](t testing.TB, table []R) []string {
	t.Helper()
	var names []string
	for i, row := range table {
		h := row.Handler()
		if h == nil || reflect.ValueOf(h).IsNil() {
			t.Errorf("row %d has no handler", i)
			continue
		}
		// "example.com/mod/pkg.(*Server).method" becomes "(*Server).method".
		full := runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name()
		base := full[strings.LastIndex(full, "/")+1:]
		_, method, _ := strings.Cut(base, ".")
		names = append(names, method)
	}
	return names
}

// HandlerShaped lists the methods of *recv declared in the Go files of dir
// (tests excluded) that have the shape of a handler: a context.Context
// first parameter, a second one that is not a pointer (the params), or a
// pointer to a type whose name ends in "Params" (params that may be left
// out), and
// either the results (R, error) (requests), or a third parameter of type
// rpcserver.Reply[R] and no results (deferred answers), or no third
// parameter and no results (notifications).
func HandlerShaped(t testing.TB, dir, recv string) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || len(fn.Recv.List) != 1 || !isPointerTo(fn.Recv.List[0].Type, recv) {
				continue
			}
			if isHandlerShaped(fn.Type) {
				names = append(names, "(*"+recv+")."+fn.Name.Name)
			}
		}
	}
	slices.Sort(names)
	return names
}

// isPointerTo reports whether e is *name.
func isPointerTo(e ast.Expr, name string) bool {
	star, ok := e.(*ast.StarExpr)
	if !ok {
		return false
	}
	id, ok := star.X.(*ast.Ident)
	return ok && id.Name == name
}

// isHandlerShaped reports whether a function type looks like a handler.
func isHandlerShaped(ft *ast.FuncType) bool {
	var params []ast.Expr
	for _, field := range ft.Params.List {
		n := max(len(field.Names), 1)
		for range n {
			params = append(params, field.Type)
		}
	}
	// Params are passed by value, or as a pointer to a ...Params type when
	// they may be left out; another pointer second parameter is a helper's.
	if len(params) < 2 || exprString(params[0]) != "context.Context" {
		return false
	}
	if p := exprString(params[1]); strings.HasPrefix(p, "*") && !strings.HasSuffix(p, "Params") {
		return false
	}
	var results []ast.Expr
	if ft.Results != nil {
		for _, field := range ft.Results.List {
			n := max(len(field.Names), 1)
			for range n {
				results = append(results, field.Type)
			}
		}
	}
	switch {
	case len(params) == 2 && len(results) == 2 && exprString(results[1]) == "error":
		return true
	case len(params) == 3 && len(results) == 0 && strings.HasPrefix(exprString(params[2]), "rpcserver.Reply["):
		return true
	case len(params) == 2 && len(results) == 0:
		return true
	}
	return false
}

// exprString renders the type expressions handlers use.
func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	case *ast.StarExpr:
		return "*" + exprString(x.X)
	case *ast.IndexExpr:
		return exprString(x.X) + "[" + exprString(x.Index) + "]"
	case *ast.ArrayType:
		return "[]" + exprString(x.Elt)
	}
	return "?"
}

// CheckComplete fails the test unless the handlers of table are exactly
// the handler-shaped methods of *recv in dir: a row without a handler, or a
// handler without a row, is reported.
func CheckComplete[R Row](t testing.TB, table []R, dir, recv string) {
	t.Helper()
	inTable := Handlers(t, table)
	slices.Sort(inTable)
	declared := HandlerShaped(t, dir, recv)
	for _, name := range declared {
		if !slices.Contains(inTable, name) {
			t.Errorf("handler %s has no row in the method table", name)
		}
	}
	for _, name := range inTable {
		if !slices.Contains(declared, name) {
			t.Errorf("table row %s has no handler declared in %s", name, dir)
		}
	}
}
