package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/jsbox"
)

func chatCmd(kinds *block.Registry) *cobra.Command {
	var (
		trace   bool
		env     map[string]string
		secrets map[string]string
	)
	cmd := &cobra.Command{
		Use:   "chat BOT",
		Short: "Talk to a bot in the terminal",
		Long: `chat runs a bot file in the terminal, with the same engine as the server.

Type a message and press Enter. A number picks a quick reply, option or
button of the bot's last reply. Commands:
  /vars              show the conversation's variables
  /restart           start the conversation again
  /trace             turn the trace (blocks, branches, variable changes) on or off
  /callback {json}   POST a JSON body to the wait block that waits
  /timeout           let the wait block's time-out pass
  /unpause           hand the conversation back to the bot after a handover
  /quit              leave

When standard input is not a terminal (a pipe), chat prints each bot message
on its own line and no prompts, so scripts can drive it.

Blocks that reach the outside world (api, custom_action, function, code, ai)
are not run by chat: it says which call the block would make and takes the
block's on_error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, problems, err := bot.Load(args[0], kinds)
			if err != nil {
				return err
			}
			if problems.HasErrors() {
				fmt.Fprint(cmd.ErrOrStderr(), problems.String())
				return exitError{1}
			}
			eng, err := flow.New(b, kinds, flow.Options{Env: env, Secrets: secrets})
			if err != nil {
				return err
			}
			in := cmd.InOrStdin()
			c := &chat{eng: eng, trace: trace, out: cmd.OutOrStdout(), pretty: isTerminal(in)}
			c.r = &renderer{w: c.out, pretty: c.pretty}
			return c.loop(cmd.Context(), in)
		},
	}
	cmd.Flags().BoolVar(&trace, "trace", false, "print the blocks, branches and variable changes of each turn")
	cmd.Flags().StringToStringVar(&env, "env", nil, "env.NAME values the bot sees (NAME=value, repeatable)")
	cmd.Flags().StringToStringVar(&secrets, "secret", nil, "secret.NAME values the bot sees (NAME=value, repeatable)")
	return cmd
}

// isTerminal reports whether r is a character device (a person typing).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// chat is one terminal conversation.
type chat struct {
	eng    *flow.Engine
	st     flow.State
	trace  bool
	pretty bool
	out    io.Writer
	r      *renderer
}

func (c *chat) newState() {
	c.st = flow.State{Channel: "terminal", User: map[string]any{"id": "terminal"}, Conversation: map[string]any{"id": "terminal"}}
}

func (c *chat) loop(ctx context.Context, in io.Reader) error {
	c.newState()
	if c.pretty {
		fmt.Fprintf(c.out, "Chatting with %s (%s). Type /quit to leave, /vars to see variables.\n", c.eng.Bot().Name, c.eng.Bot().ID)
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for {
		if c.pretty {
			fmt.Fprint(c.out, "you> ")
		}
		if !sc.Scan() {
			return sc.Err()
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "/") {
			if quit := c.command(ctx, line); quit {
				return nil
			}
			continue
		}
		if payload, ok := c.r.pick(line); ok {
			line = payload
		}
		c.turn(ctx, flow.Event{Kind: flow.EventMessage, Text: line})
	}
}

// command runs a /command; it returns true for /quit.
func (c *chat) command(ctx context.Context, line string) bool {
	name, arg, _ := strings.Cut(line, " ")
	switch name {
	case "/quit", "/exit":
		return true
	case "/vars":
		names := make([]string, 0, len(c.st.Vars))
		for k := range c.st.Vars {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(c.out, "  %s = %s\n", k, jsonOf(c.st.Vars[k]))
		}
		fmt.Fprintf(c.out, "  (status %q, block %q)\n", c.st.Status, c.st.Block)
	case "/restart":
		c.newState()
		fmt.Fprintln(c.out, "(conversation restarted: the next message starts the bot)")
	case "/trace":
		c.trace = !c.trace
		fmt.Fprintf(c.out, "(trace %s)\n", map[bool]string{true: "on", false: "off"}[c.trace])
	case "/callback":
		var data any
		if strings.TrimSpace(arg) != "" {
			if err := json.Unmarshal([]byte(arg), &data); err != nil {
				fmt.Fprintf(c.out, "(the callback body is not JSON: %v)\n", err)
				return false
			}
		}
		c.turn(ctx, flow.Event{Kind: flow.EventCallback, Data: data})
	case "/timeout":
		c.turn(ctx, flow.Event{Kind: flow.EventTimeout, Time: c.st.Deadline})
	case "/unpause":
		c.turn(ctx, flow.Event{Kind: flow.EventResume})
	default:
		fmt.Fprintf(c.out, "(unknown command %s: try /vars, /restart, /trace, /callback, /timeout, /unpause or /quit)\n", name)
	}
	return false
}

func (c *chat) turn(ctx context.Context, ev flow.Event) {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	res := c.eng.Drive(ctx, c.st, ev, chatExecutor{out: c.out})
	if c.trace {
		for _, s := range res.Trace {
			fmt.Fprintln(c.out, "  ·", s.String())
		}
	}
	if res.Err != nil {
		fmt.Fprintf(c.out, "(error: %v)\n", res.Err)
		return
	}
	c.st = res.State
	c.r.startReply()
	for _, e := range res.Effects {
		switch e := e.(type) {
		case flow.Send:
			c.r.message(e.Message)
		case flow.Handover:
			c.note("the bot handed the conversation to a human and pauses; /unpause hands it back")
		case flow.Wait:
			c.note("waiting at block %q for its callback (%s); /callback {json} posts one, /timeout lets it time out", e.Block, c.st.Vars["callback_url"])
		case flow.End:
			c.note("the conversation ended; the next message starts the bot again")
		}
	}
}

func (c *chat) note(format string, args ...any) {
	if c.pretty {
		fmt.Fprintf(c.out, "("+format+")\n", args...)
	}
}

func jsonOf(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// chatExecutor runs code blocks in the JavaScript sandbox, and does not
// otherwise reach the outside world: it says which HTTP call a block (or a
// script's fetch) would make and fails it, so the block's on_error is
// taken (or the fetch rejects).
type chatExecutor struct{ out io.Writer }

func (x chatExecutor) Execute(ctx context.Context, c *flow.Call) *flow.CallResult {
	if c.Code != nil {
		return (*jsbox.Box)(nil).Run(ctx, c, x)
	}
	if c.Kind == "code" && c.HTTP != nil {
		msg := fmt.Sprintf("confab chat makes no requests: the script of block %q would fetch %s %s", c.Block, c.HTTP.Method, c.HTTP.URL)
		fmt.Fprintf(x.out, "(%s; the fetch fails)\n", msg)
		return &flow.CallResult{Err: msg, ErrClass: "unsupported"}
	}
	what := c.Kind
	if c.HTTP != nil {
		what = c.HTTP.Method + " " + c.HTTP.URL
	}
	msg := fmt.Sprintf("confab chat does not run %s blocks yet: block %q would call %s", c.Kind, c.Block, what)
	fmt.Fprintf(x.out, "(%s; taking on_error)\n", msg)
	return &flow.CallResult{Err: msg, ErrClass: "unsupported"}
}
