package session

import (
	"log/slog"
	"time"
)

const (
	slogWarn = slog.LevelWarn
	slogInfo = slog.LevelInfo
)

func attrOp(op string) slog.Attr              { return slog.String("op", op) }
func attrErr(err error) slog.Attr             { return slog.String("error", err.Error()) }
func attrDelay(d time.Duration) slog.Attr     { return slog.Duration("delay", d) }
func attrSession(token string) slog.Attr      { return slog.String("session", logID(token)) }
func attrCount(key string, n int64) slog.Attr { return slog.Int64(key, n) }

func attrRenewed(b bool) slog.Attr { return slog.Bool("renewed", b) }
