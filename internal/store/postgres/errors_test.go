package postgres

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/confab/confab/internal/store"
)

func TestMapError(t *testing.T) {
	t.Parallel()
	plain := errors.New("syntax error")
	tests := []struct {
		name string
		err  error
		want error // nil: returned as it is
	}{
		{"unique violation", &pgconn.PgError{Code: "23505"}, store.ErrConflict},
		{"wrapped unique violation", fmt.Errorf("insert: %w", &pgconn.PgError{Code: "23505"}), store.ErrConflict},
		{"too many connections", &pgconn.PgError{Code: "53300"}, store.ErrUnavailable},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, store.ErrUnavailable},
		{"connection failure", &pgconn.PgError{Code: "08006"}, store.ErrUnavailable},
		{"deadlock", &pgconn.PgError{Code: "40P01"}, store.ErrUnavailable},
		{"foreign key violation", &pgconn.PgError{Code: "23503"}, nil},
		{"not a server error", plain, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := mapError(tc.err)
			if tc.want == nil {
				if got != tc.err {
					t.Errorf("mapError(%v) = %v, want it unchanged", tc.err, got)
				}
				return
			}
			if !errors.Is(got, tc.want) {
				t.Errorf("mapError(%v) = %v, want %v", tc.err, got, tc.want)
			}
			if got.Error() == tc.want.Error() {
				t.Errorf("mapError(%v) = %q lost the cause", tc.err, got)
			}
		})
	}
}
