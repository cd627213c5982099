package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/confab/confab/internal/bot"
)

func validateCmd(kinds bot.Kinds) *cobra.Command {
	return &cobra.Command{
		Use:   "validate PATH...",
		Short: "Check bot files (files or folders) and print each problem as file:line:col: message",
		Long: "validate checks every bot file under the paths (*.yaml and *.yml, not *.test.yaml)\n" +
			"and prints one line per problem. It exits 1 when any problem is an error;\n" +
			"warnings alone exit 0.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set, err := bot.LoadSet(args, kinds)
			if set == nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), set.Problems.String())
			if set.Problems.HasErrors() {
				return exitError{1}
			}
			if len(set.Bots) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "confab: no bot files found")
				return exitError{1}
			}
			return nil
		},
	}
}
