package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/codex-go/codex/internal/schemagen/schemafiles"
	"github.com/codex-go/codex/internal/schemagen/tsgen"
	"github.com/codex-go/codex/schema"
)

// addGenerateCommands adds `generate-json-schema` and `generate-ts` to the
// app-server command.
func addGenerateCommands(appServer *cobra.Command, std stdio) {
	appServer.AddCommand(newGenerateJSONSchemaCommand(std), newGenerateTSCommand(std))
}

// outFlag registers the required --out flag of a generate command.
func outFlag(cmd *cobra.Command) *string {
	return cmd.Flags().String("out", "", "directory to write the files to (created if missing)")
}

// requireOut rejects an empty --out.
func requireOut(out string) error {
	if out == "" {
		return errors.New("--out DIR is required")
	}
	return nil
}

// newGenerateJSONSchemaCommand builds `codex app-server generate-json-schema`.
func newGenerateJSONSchemaCommand(std stdio) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "generate-json-schema --out DIR",
		Short: "Write the JSON Schema of the app-server protocol to a directory",
		Long: "generate-json-schema writes one JSON Schema (draft 2020-12) document per message of the app-server " +
			"protocol: params and responses of client and server requests, notification params and every event " +
			"message, plus index.json, which lists them by method and event type.",
		Args: cobra.NoArgs,
	}
	out := outFlag(cmd)
	cmd.RunE = func(*cobra.Command, []string) error {
		if err := requireOut(*out); err != nil {
			return err
		}
		if err := schemafiles.WriteFS(schema.FS(), *out); err != nil {
			return failed(err)
		}
		_, err := fmt.Fprintf(std.out, "wrote the app-server JSON Schema to %s\n", *out)
		return err
	}
	return cmd
}

// newGenerateTSCommand builds `codex app-server generate-ts`.
func newGenerateTSCommand(std stdio) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "generate-ts --out DIR",
		Short: "Write TypeScript declarations of the app-server protocol to a directory",
		Long: "generate-ts writes TypeScript declarations (.d.ts) of the app-server protocol, generated from its " +
			"JSON Schema by json-schema-to-typescript: protocol.d.ts with every type, one file per schema document " +
			"re-exporting its type, and index.d.ts with maps from methods to their params and results. It needs " +
			"Node.js: json2ts from PATH is used when present, otherwise npx fetches " + tsgen.JSON2TSPackage + ".",
		Args: cobra.NoArgs,
	}
	out := outFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := requireOut(*out); err != nil {
			return err
		}
		if err := tsgen.TypeScript(cmd.Context(), schema.FS(), *out, tsgen.TypeScriptOptions{}); err != nil {
			return failed(err)
		}
		_, err := fmt.Fprintf(std.out, "wrote the app-server TypeScript declarations to %s\n", *out)
		return err
	}
	return cmd
}
