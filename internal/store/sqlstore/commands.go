package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/confab/confab/internal/store"
)

// commandBody is a command's fields as the commands table keeps them
// (body, JSON).
type commandBody struct {
	Message json.RawMessage `json:"message,omitempty"`
	As      string          `json:"as,omitempty"`
	AdminID int64           `json:"adminID,omitempty"`
	Block   string          `json:"block,omitempty"`
	Vars    map[string]any  `json:"vars,omitempty"`
	Wait    int             `json:"wait,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// SubmitCommand stores a command in its conversation's sequence and runs
// it, or queues it behind the conversation's turn (see store.Store). It
// keeps the context's idempotent answer, with the store.Submitted as the
// effect's result.
func (db *DB) SubmitCommand(ctx context.Context, sub store.Submission) (store.Submitted, error) {
	out, err := db.submitCommand(ctx, sub)
	if sub.After != nil {
		sub.After(out, err)
	}
	return out, err
}

func (db *DB) submitCommand(ctx context.Context, sub store.Submission) (store.Submitted, error) {
	var out store.Submitted
	cmd := sub.Command
	body, err := json.Marshal(commandBody{Message: cmd.Message, As: cmd.As, AdminID: cmd.AdminID, Block: cmd.Block, Vars: cmd.Vars,
		Wait: cmd.Wait, Data: cmd.Data})
	if err != nil {
		return out, fmt.Errorf("command %s: %w", cmd.ID, err)
	}
	now := ms(cmd.CreatedAt)
	owner, until := "", int64(0)
	if sub.Lease != nil {
		owner, until = sub.Lease.Owner, ms(sub.Lease.Until)
	}
	err = db.tx(ctx, func(tx *txn) error {
		out = store.Submitted{}
		// Taking the next sequence number locks the conversation's row
		// until commit: whoever queues or drops its turn job holds it too.
		var c store.Conversation
		var created, updated int64
		err := tx.QueryRowContext(ctx, db.q(`UPDATE conversations SET last_seq = last_seq + 1, updated_at = ? WHERE project_id = ? AND id = ? RETURNING `+returnConversation),
			now, cmd.ProjectID, cmd.ConversationID).Scan(&c.ID, &c.ProjectID, &c.ChannelID, &c.Bot, &c.UserID, &c.SenderID, &c.State, &c.Status,
			&c.HandledSeq, &created, &updated, &cmd.Seq)
		if err != nil {
			return err
		}
		c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
		cmd.Status = store.CommandPending
		// Whether a turn is queued or running is read by this later
		// statement: on PostgreSQL the update's RETURNING would see other
		// tables as they were when it started, before it waited for the
		// row.
		var queued bool
		if err := tx.QueryRowContext(ctx, db.q(`INSERT INTO commands (id, project_id, conversation_id, seq, kind, body, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)
			RETURNING EXISTS (SELECT 1 FROM turn_queue WHERE conversation_id = ?)`),
			cmd.ID, cmd.ProjectID, cmd.ConversationID, cmd.Seq, cmd.Kind, body, now, cmd.ConversationID).Scan(&queued); err != nil {
			return err
		}
		if sub.Run != nil && !queued {
			if r, ok := sub.Run(c, cmd); ok {
				r.ConversationID = c.ID
				if err := db.writeTurn(ctx, tx, r); err != nil {
					return err
				}
				for _, done := range r.Commands {
					if done.ID == cmd.ID {
						out.Command = done
					}
				}
				if out.Command.ID == "" {
					return fmt.Errorf("command %s: the turn that ran it did not report it", cmd.ID)
				}
				out.Ran, out.Outgoing = true, r.Outgoing
				return db.keepAnswer(ctx, tx, out)
			}
		}
		out.Command = cmd
		res, err := tx.ExecContext(ctx, db.q(`INSERT INTO turn_queue (conversation_id, lease_owner, lease_until, queued_at) VALUES (?, ?, ?, ?) ON CONFLICT (conversation_id) DO NOTHING`),
			c.ID, owner, until, now)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 && sub.Lease != nil {
			out.Turn = &store.Turn{Conversation: c, Commands: []store.Command{cmd}}
		}
		return db.keepAnswer(ctx, tx, out)
	})
	return out, err
}

// finishCommands records the commands a turn carried out. A message's
// result gets the sequence number its message was given (writeTurn fills
// in the deliveries first).
func (db *DB) finishCommands(ctx context.Context, tx *txn, r store.TurnResult) error {
	for i := range r.Commands {
		cmd := &r.Commands[i]
		if res := cmd.Result; res != nil && res.DeliveryID != "" {
			for _, o := range r.Outgoing {
				if o.Delivery != nil && o.Delivery.ID == res.DeliveryID {
					res.Seq = o.Delivery.Seq
				}
			}
		}
		var result []byte
		if cmd.Result != nil {
			var err error
			if result, err = json.Marshal(cmd.Result); err != nil {
				return fmt.Errorf("command %s: %w", cmd.ID, err)
			}
		}
		res, err := tx.ExecContext(ctx, db.q(`UPDATE commands SET status = ?, result = ?, error = ?, done_at = ? WHERE conversation_id = ? AND id = ? AND status = 'pending'`),
			cmd.Status, result, cmd.Error, ms(cmd.DoneAt), r.ConversationID, cmd.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("command %s of conversation %s is not pending (%v)", cmd.ID, r.ConversationID, err)
		}
	}
	return nil
}

const commandColumns = `id, project_id, conversation_id, seq, kind, body, status, result, error, created_at, done_at`

func scanCommand(row interface{ Scan(...any) error }) (store.Command, error) {
	var c store.Command
	var body, result []byte
	var created, done int64
	if err := row.Scan(&c.ID, &c.ProjectID, &c.ConversationID, &c.Seq, &c.Kind, &body, &c.Status, &result, &c.Error, &created, &done); err != nil {
		return c, err
	}
	c.CreatedAt = fromMS(created)
	if done != 0 {
		c.DoneAt = fromMS(done)
	}
	var b commandBody
	if err := json.Unmarshal(body, &b); err != nil {
		return c, fmt.Errorf("command %s: the stored body: %w", c.ID, err)
	}
	c.Message, c.As, c.AdminID, c.Block, c.Vars = []byte(b.Message), b.As, b.AdminID, b.Block, b.Vars
	c.Wait, c.Data = b.Wait, []byte(b.Data)
	if len(result) > 0 {
		c.Result = &store.CommandResult{}
		if err := json.Unmarshal(result, c.Result); err != nil {
			return c, fmt.Errorf("command %s: the stored result: %w", c.ID, err)
		}
	}
	return c, nil
}

// pendingCommands returns the pending commands of conversations, by
// conversation, in order.
func (db *DB) pendingCommands(ctx context.Context, q querier, ids []string) (map[string][]store.Command, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, db.q(`SELECT `+commandColumns+` FROM commands WHERE conversation_id IN (`+marks(len(ids))+`) AND status = 'pending' ORDER BY conversation_id, seq`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]store.Command{}
	for rows.Next() {
		c, err := scanCommand(rows)
		if err != nil {
			return nil, err
		}
		out[c.ConversationID] = append(out[c.ConversationID], c)
	}
	return out, rows.Err()
}

// GetCommand returns a command of a project's conversation.
func (db *DB) GetCommand(ctx context.Context, projectID, conversationID, id string) (store.Command, error) {
	c, err := scanCommand(db.readRow(ctx, db.q(`SELECT `+commandColumns+` FROM commands WHERE project_id = ? AND conversation_id = ? AND id = ?`), projectID, conversationID, id))
	return c, db.err(err)
}
