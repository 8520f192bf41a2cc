package rpctest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

type server struct{}

type params struct{}

func (s *server) listed(context.Context, params) (int, error)    { return 0, nil }
func (s *server) forgotten(context.Context, params) (int, error) { return 0, nil }

// row is a table row for the test.
type row struct{ h any }

func (r row) Handler() any { return r.h }

// recorder is a testing.TB that records errors instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestCheckComplete(t *testing.T) {
	var nilHandler func(*server, context.Context, params) (int, error)
	tests := []struct {
		name  string
		table []row
		want  []string
	}{
		{
			name:  "complete",
			table: []row{{(*server).listed}, {(*server).forgotten}},
		},
		{
			name:  "handler without row",
			table: []row{{(*server).listed}},
			want:  []string{"handler (*server).forgotten has no row in the method table"},
		},
		{
			name:  "row without handler",
			table: []row{{(*server).listed}, {nilHandler}},
			want: []string{
				"row 1 has no handler",
				"handler (*server).forgotten has no row in the method table",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			// The declarations come from testdata/srv, whose receiver is
			// named like this file's.
			CheckComplete(rec, tt.table, "testdata/srv", "server")
			assert.Equal(t, tt.want, rec.errors)
		})
	}
}
