package session

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
)

func TestIsTransient(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"bad conn", driver.ErrBadConn, true},
		{"invalid conn wrapped", fmt.Errorf("find: %w", mysql.ErrInvalidConn), true},
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{"connection reset", syscall.ECONNRESET, true},
		{"too many connections 1040", &mysql.MySQLError{Number: 1040}, true},
		{"shutdown 1053", &mysql.MySQLError{Number: 1053}, true},
		{"lock wait 1205", &mysql.MySQLError{Number: 1205}, true},
		{"deadlock 1213", &mysql.MySQLError{Number: 1213}, true},
		{"read-only 1290", &mysql.MySQLError{Number: 1290}, true},
		{"read-only 1836", &mysql.MySQLError{Number: 1836}, true},
		{"gone away 2006", &mysql.MySQLError{Number: 2006}, true},
		{"lost 2013", &mysql.MySQLError{Number: 2013}, true},
		{"can't connect 2003", &mysql.MySQLError{Number: 2003}, true},
		{"killed 1927", &mysql.MySQLError{Number: 1927}, true},
		{"idle timeout 4031", &mysql.MySQLError{Number: 4031}, true},
		{"read-only transaction 1792", &mysql.MySQLError{Number: 1792}, true},
		{"no such table 1146", &mysql.MySQLError{Number: 1146}, false},
		{"syntax 1064", &mysql.MySQLError{Number: 1064}, false},
		{"access denied 1045", &mysql.MySQLError{Number: 1045}, false},
		{"canceled", context.Canceled, false},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{"plain", errors.New("sql: database is closed"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, IsTransient(tt.err))
		})
	}
}

func TestTokens(t *testing.T) {
	a, b := newToken(), newToken()
	assert.NotEqual(t, a, b)
	assert.Len(t, a, 43)
	assert.True(t, wellFormed(a))
	tests := map[string]string{
		"empty":        "",
		"short":        a[:42],
		"long":         a + "A",
		"padding":      a[:42] + "=",
		"bad alphabet": a[:42] + "+",
		"sql":          "' OR 1=1 -- aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	}
	for name, tok := range tests {
		assert.False(t, wellFormed(tok), name)
	}
	// The last character holds 4 data bits and 2 padding bits; a variant with padding bits set
	// decodes to the same bytes under a lenient decoder, but is not a token the server issued.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	idx := strings.IndexByte(alphabet, a[42])
	assert.False(t, wellFormed(a[:42]+string(alphabet[idx|1])), "non-canonical encoding")
	assert.Len(t, tokenID(a), 32)
	assert.Len(t, logID(a), 12)
	assert.NotContains(t, a, logID(a))
}
