// Package cli holds confab's subcommands. Each command parses its flags,
// builds what it needs from the other packages, and reports; no logic of
// the product lives here.
package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/confab/confab/internal/block"
)

// Version is set at build time with -ldflags "-X ...cli.Version=...".
var Version = "dev"

// exitError carries an exit code out of a command without printing more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Main runs confab with args and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := &cobra.Command{
		Use:           "confab",
		Short:         "Confab: self-hosted chatbots described as files",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	kinds := block.Builtin()
	root.AddCommand(
		validateCmd(kinds),
		schemaCmd(kinds),
		chatCmd(kinds),
		testCmd(kinds),
		serveCmd(args),
		migrateCmd(args),
		tokenCmd(args),
		&cobra.Command{
			Use:   "version",
			Short: "Print the version",
			Args:  cobra.NoArgs,
			Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(cmd.OutOrStdout(), "confab", Version) },
		},
	)
	err := root.Execute()
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	fmt.Fprintln(stderr, "confab:", err)
	return 2
}
