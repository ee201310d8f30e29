package session

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/go-sql-driver/mysql"
)

// transientCodes are the MySQL server error numbers that mean "this statement did not take effect,
// try again, possibly on another connection". Every statement this package runs is idempotent (a
// SELECT, an upsert that writes the same values, a DELETE by key), so repeating one is safe.
var transientCodes = map[uint16]bool{
	1040: true, // ER_CON_COUNT_ERROR: too many connections, typical of a reconnect storm after failover
	1053: true, // ER_SERVER_SHUTDOWN: server shutdown in progress
	1205: true, // ER_LOCK_WAIT_TIMEOUT
	1213: true, // ER_LOCK_DEADLOCK
	1290: true, // ER_OPTION_PREVENTS_STATEMENT: --read-only, a demoted primary after failover
	1792: true, // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
	1836: true, // ER_READ_ONLY_MODE
	2003: true, // CR_CONN_HOST_ERROR: can't connect (client code, when a proxy reports it)
	2006: true, // CR_SERVER_GONE_ERROR: server has gone away
	2013: true, // CR_SERVER_LOST: lost connection during query
	1927: true, // ER_CONNECTION_KILLED (MariaDB): connection killed, e.g. at shutdown
	4031: true, // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8.0.24+): an idle pooled connection was closed by the server
}

// IsTransient reports whether err is a database failure worth retrying: a connection that broke or
// could not be made (server restart, failover, DNS moving to the new primary), a server shutting down,
// too many connections, a read-only server, a lock wait timeout or a deadlock.
//
// go-sql-driver/mysql reports most connection failures as network errors, io.EOF, driver.ErrBadConn
// or mysql.ErrInvalidConn rather than numbered errors: database/sql itself retries only ErrBadConn,
// and only when the statement was certainly not sent, so a pooled connection that died mid-query
// reaches the caller as ErrInvalidConn. Context cancellation and deadline errors are not transient.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return transientCodes[me.Number]
	}
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		return true
	case errors.As(err, &oe), errors.As(err, &ne):
		return true
	}
	return false
}
