package cli

import (
	"github.com/spf13/cobra"

	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
)

// schemaCmd returns the `confab schema` command, which prints the JSON
// Schema of bot files for the given block kinds.
func schemaCmd(kinds *block.Registry) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema (draft 2020-12) of bot files",
		Long: "schema prints the JSON Schema of bot files, generated from the structs the\n" +
			"parser decodes into. Point an editor's YAML language server at it for\n" +
			"completion and checks as you type; confab validate checks the rest\n" +
			"(references between blocks, expressions, declared functions).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(bot.SchemaJSON(kinds))
			return err
		},
	}
}
