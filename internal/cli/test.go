package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/convtest"
)

func testCmd(kinds *block.Registry) *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "test [PATH...]",
		Short: "Run conversation tests (*.test.yaml); exit 1 on any failure",
		Long: "test runs the conversation tests in the files and folders given (default: the\n" +
			"current folder). Each test file names a bot by id; the bot is looked for among\n" +
			"the bot files of the test file's folder. Outbound calls are answered only from\n" +
			"the test's http fixtures.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"."}
			}
			files, err := bot.Files(args, convtest.IsTestFile)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			passed, failed := 0, 0
			sets := map[string]*bot.Set{}
			for _, path := range files {
				f, err := convtest.Load(path)
				if err != nil {
					fmt.Fprintf(out, "FAIL %s\n  %v\n", path, err)
					failed++
					continue
				}
				b, err := findBot(sets, filepath.Dir(path), f.Bot, kinds)
				if err != nil {
					fmt.Fprintf(out, "FAIL %s\n  %v\n", path, err)
					failed++
					continue
				}
				for _, r := range convtest.RunFile(cmd.Context(), f, b, kinds) {
					if r.Passed() {
						passed++
						if verbose {
							fmt.Fprintf(out, "ok   %s:%d: %s\n", r.File, r.Line, r.Name)
						}
						continue
					}
					failed++
					fmt.Fprintf(out, "FAIL %s:%d: %s\n  %s\n", r.File, r.Line, r.Name, indent(r.Failure))
				}
			}
			fmt.Fprintf(out, "%d passed, %d failed\n", passed, failed)
			if failed > 0 || passed == 0 {
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "also list the tests that pass")
	return cmd
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n  ") }

// findBot loads (once per folder) the bots of dir and returns the one with
// the id.
func findBot(sets map[string]*bot.Set, dir, id string, kinds bot.Kinds) (*bot.Bot, error) {
	set, ok := sets[dir]
	if !ok {
		var err error
		set, err = bot.LoadSet([]string{dir}, kinds)
		if set == nil {
			return nil, err
		}
		sets[dir] = set
	}
	if b, ok := set.Bots[id]; ok {
		return b, nil
	}
	for _, p := range set.Problems {
		if p.Severity == bot.Error {
			return nil, fmt.Errorf("no valid bot %q in %s:\n%s", id, dir, set.Problems)
		}
	}
	return nil, fmt.Errorf("no bot with id %q in %s", id, dir)
}
