package session

import "errors"

// ErrInvalidOptions is wrapped by every error about invalid [Options], [ManagerOptions] or
// [CollectorOptions] (from [New], [NewManager], [NewCollector] and [Store.DeleteExpired]); the
// message names each invalid field.
var ErrInvalidOptions = errors.New("session: invalid options")

// ErrTooLarge is wrapped by the error of a write whose session data is larger than
// Options.MaxDataSize (checked before anything is sent) or that the database refused as too large
// (data too long for its column, or a packet above max_allowed_packet). Such a write is not
// retried, and the middleware answers it with a 500, not a 503: trying again cannot help.
var ErrTooLarge = errors.New("session: session data too large")

// ErrUserIDTooLong is wrapped by the error of [Session.SetUserID], [Store.CommitUserCtx] and
// [Store.DeleteUserCtx] for a user id longer than MaxUserIDLen bytes. Such ids are refused rather
// than truncated, so every id a session can record is one that [Manager.LogoutUser] finds.
var ErrUserIDTooLong = errors.New("session: user id too long")

// ErrNoSession is returned by [Session.Put], [Session.SetUserID] and [Get] on a nil *Session, which
// is what [FromContext] returns for a request that did not pass through [Manager.Handler].
var ErrNoSession = errors.New("session: no session in context (is the handler wrapped by Manager.Handler?)")

// ErrCollectorRunning is returned by [Collector.Start] when the collector is already running.
var ErrCollectorRunning = errors.New("session: collector already running")
