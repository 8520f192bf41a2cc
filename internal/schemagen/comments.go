package schemagen

import (
	"bufio"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
)

// FindModuleRoot returns the nearest directory at or above dir that holds a
// go.mod file.
func FindModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("find module root: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find module root: no go.mod in this directory or above")
		}
		dir = parent
	}
}

// modulePath reads the module path from root/go.mod.
func modulePath(root string) (string, error) {
	f, err := os.Open(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("read module path: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("read module path: %w", err)
	}
	return "", fmt.Errorf("read module path: no module line in %s", filepath.Join(root, "go.mod"))
}

// source is what generation reads from the Go source of the packages that
// define the protocol types.
type source struct {
	// comments are the doc comments keyed like jsonschema.Reflector.CommentMap:
	// "pkg/path.Type" for a type and "pkg/path.Type.Field" for a struct field,
	// joined into single lines.
	comments map[string]string
}

// loadSource reads the packages that define types. Packages outside the
// module at root are skipped.
//
// Reflector.AddGoComments reads comments too but derives package paths from
// the process's working directory; reading each package's directory
// directly lets generation run from anywhere inside the module.
func loadSource(root string, types map[string]reflect.Type) (source, error) {
	src := source{comments: map[string]string{}}
	mod, err := modulePath(root)
	if err != nil {
		return src, err
	}
	pkgs := map[string]bool{}
	for _, t := range types {
		pkgs[t.PkgPath()] = true
	}
	paths := make([]string, 0, len(pkgs))
	for p := range pkgs {
		paths = append(paths, p)
	}
	sort.Strings(paths)

	for _, pkg := range paths {
		rel, ok := strings.CutPrefix(pkg, mod)
		if !ok || (rel != "" && !strings.HasPrefix(rel, "/")) {
			continue
		}
		if err := src.readPackage(filepath.Join(root, filepath.FromSlash(rel)), pkg); err != nil {
			return src, err
		}
	}
	return src, nil
}

// readPackage adds the comments of the non-test Go files in dir, the
// directory of package pkg.
func (src source) readPackage(dir, pkg string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read comments of %s: %w", pkg, err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("read comments of %s: %w", pkg, err)
		}
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.TYPE {
				continue
			}
			for _, spec := range gen.Specs {
				ts := spec.(*ast.TypeSpec)
				if !ts.Name.IsExported() {
					continue
				}
				doc := ts.Doc
				if doc == nil && len(gen.Specs) == 1 {
					doc = gen.Doc
				}
				key := pkg + "." + ts.Name.Name
				if text := oneLine(doc); text != "" {
					src.comments[key] = text
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, field := range st.Fields.List {
					text := oneLine(field.Doc)
					if text == "" {
						text = oneLine(field.Comment)
					}
					if text == "" {
						continue
					}
					for _, n := range field.Names {
						if n.IsExported() {
							src.comments[key+"."+n.Name] = text
						}
					}
				}
			}
		}
	}
	return nil
}

// oneLine is the text of a comment group with its lines joined by spaces.
func oneLine(g *ast.CommentGroup) string {
	if g == nil {
		return ""
	}
	return strings.Join(strings.Fields(g.Text()), " ")
}
