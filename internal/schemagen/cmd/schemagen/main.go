// Command schemagen regenerates the committed JSON Schema of the app-server
// protocol (the schema directory of the module) from the Go types of package
// protocol. It is what `make schema` runs.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/codex-go/codex/internal/schemagen"
)

func main() {
	out := flag.String("out", "", "directory to write the schema tree to (default: schema/ of the module)")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}

// run generates the schema tree and writes it to out, removing documents
// that no longer exist.
func run(out string) error {
	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := schemagen.FindModuleRoot(cwd)
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join(root, "schema")
	}
	files, err := schemagen.Generate(root)
	if err != nil {
		return err
	}
	if err := files.Write(out); err != nil {
		return err
	}
	if err := files.Prune(out); err != nil {
		return err
	}
	fmt.Printf("wrote %d schema files to %s\n", len(files), out)
	if err := schemagen.WriteMethodIndex(root); err != nil {
		return err
	}
	fmt.Printf("wrote the method index of %s\n", schemagen.MethodDocFile)
	return nil
}
