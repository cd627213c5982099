package cli

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/confab/confab/internal/app"
	"github.com/confab/confab/internal/config"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/token"
)

// tokenCmd is `confab token`: the API tokens of the first project, worked
// on in the database directly (like `confab migrate`), so it works while
// no token does.
func tokenCmd(args []string) *cobra.Command {
	cfg, envErr := loadConfig(args)
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Create, list and revoke the API tokens of the project",
		Long: `token works on the project's API tokens in the database directly: --data
(./data, SQLite) or --database (PostgreSQL), as confab serve uses them. It
works while the server runs, and while no token does (a lost or leaked one).
The project is the one confab serve creates on its first start.`,
		Args: cobra.NoArgs,
	}
	f := cmd.PersistentFlags()
	f.String("config", "", "a YAML configuration file (CONFAB_CONFIG)")
	f.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory for the SQLite database (CONFAB_DATA)")
	f.StringVar(&cfg.DatabaseURL, "database", cfg.DatabaseURL, "postgres://... to use PostgreSQL (CONFAB_DATABASE_URL)")
	// run opens the store, finds the project and calls f with them.
	run := func(cmd *cobra.Command, f func(ctx context.Context, s store.Store, p store.Project) error) error {
		if envErr != nil {
			return envErr
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
		defer cancel()
		s, p, err := openProject(ctx, cfg)
		if err != nil {
			return err
		}
		return errors.Join(f(ctx, s, p), s.Close())
	}
	cmd.AddCommand(tokenCreateCmd(run), tokenListCmd(run), tokenRevokeCmd(run))
	return cmd
}

// projectRunner runs a token subcommand on the store and the project.
type projectRunner func(cmd *cobra.Command, f func(ctx context.Context, s store.Store, p store.Project) error) error

// openProject opens the configured store and finds its first project.
func openProject(ctx context.Context, cfg config.Config) (store.Store, store.Project, error) {
	s, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return nil, store.Project{}, err
	}
	p, err := s.FirstProject(ctx)
	if err != nil {
		s.Close()
		if errors.Is(err, store.ErrNotFound) {
			return nil, p, errors.New("there is no project yet: confab serve creates it on its first start")
		}
		return nil, p, err
	}
	return s, p, nil
}

func tokenCreateCmd(run projectRunner) *cobra.Command {
	var name string
	var expiresIn time.Duration
	cmd := &cobra.Command{
		Use:   "create --name NAME",
		Short: "Create a project API token and print it once",
		Long: `create makes a project API token and prints it, alone on standard output,
once: only its SHA-256 is stored. What it is goes to standard error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := token.CheckName(name); err != nil {
				return fmt.Errorf("--name: %w", err)
			}
			if expiresIn < 0 {
				return fmt.Errorf("--expires-in must not be negative, it is %s", expiresIn)
			}
			return run(cmd, func(ctx context.Context, s store.Store, p store.Project) error {
				now := time.Now()
				var expires time.Time
				if expiresIn > 0 {
					expires = now.Add(expiresIn)
				}
				text, t := token.Issue(p.ID, name, now, expires)
				if err := s.CreateToken(ctx, t); err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), text)
				until := "does not expire"
				if !t.ExpiresAt.IsZero() {
					until = "expires at " + t.ExpiresAt.Format(time.RFC3339)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "Created token %s (%s) of project %s; it %s. It is shown once: keep it.\n", t.ID, t.Name, p.ID, until)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "what the token is for, e.g. ci-deploy (required)")
	cmd.Flags().DurationVar(&expiresIn, "expires-in", 0, "how long the token works, e.g. 720h (0: it does not expire)")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func tokenListCmd(run projectRunner) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the project's API tokens (never their text)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return run(cmd, func(ctx context.Context, s store.Store, p store.Project) error {
				ts, err := s.ListTokens(ctx, p.ID)
				if err != nil {
					return err
				}
				now := time.Now()
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tCREATED\tLAST USED\tEXPIRES")
				for _, t := range ts {
					expires := timeOrDash(t.ExpiresAt)
					if t.Expired(now) {
						expires += " (expired)"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Prefix, t.CreatedAt.Format(time.RFC3339), timeOrDash(t.LastUsedAt), expires)
				}
				return tw.Flush()
			})
		},
	}
}

// timeOrDash formats a time, or "-" for the zero time (never).
func timeOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}

func tokenRevokeCmd(run projectRunner) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a project API token: it stops working at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			return run(cmd, func(ctx context.Context, s store.Store, p store.Project) error {
				err := s.RevokeToken(ctx, p.ID, id, time.Now())
				switch {
				case errors.Is(err, store.ErrNotFound):
					return fmt.Errorf("project %s has no token %s (confab token list shows its tokens)", p.ID, id)
				case errors.Is(err, store.ErrConflict):
					return fmt.Errorf("token %s is the project's last valid token; create another first (confab token create --name NAME)", id)
				case err != nil:
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Revoked token %s.\n", id)
				return nil
			})
		},
	}
}
