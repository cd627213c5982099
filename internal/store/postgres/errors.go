package postgres

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/confab/confab/internal/store"
)

// mapError maps PostgreSQL's errors to the store's sentinels: a taken
// unique key is store.ErrConflict; a lost or refused connection, or a
// server that is shutting down, out of
// connections or resources, or that aborted a transaction to break a
// deadlock or a serialization conflict is store.ErrUnavailable (the same
// call may succeed later). Other errors are returned as they are.
func mapError(err error) error {
	var pe *pgconn.PgError
	var ce *pgconn.ConnectError
	if !errors.As(err, &pe) {
		// The connection was lost or could not be made: the server is
		// down or unreachable, and a later call may succeed.
		if errors.As(err, &ce) || errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.ErrUnexpectedEOF) ||
			errors.Is(err, io.EOF) || pgconn.SafeToRetry(err) || strings.Contains(err.Error(), "conn closed") {
			return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
		}
		return err
	}
	switch {
	case pe.Code == "23505": // unique_violation
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	case strings.HasPrefix(pe.Code, "08"), // connection_exception
		strings.HasPrefix(pe.Code, "53"), // insufficient_resources, too_many_connections
		pe.Code == "57P01",               // admin_shutdown
		pe.Code == "57P02",               // crash_shutdown
		pe.Code == "57P03",               // cannot_connect_now
		pe.Code == "40001",               // serialization_failure
		pe.Code == "40P01":               // deadlock_detected
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	return err
}
