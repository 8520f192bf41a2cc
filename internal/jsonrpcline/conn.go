package jsonrpcline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/sourcegraph/jsonrpc2"
)

// Reply answers the request id on conn with result, or with err when err is
// not nil. An err that is not a *jsonrpc2.Error is sent as an internal error
// (-32603) with err's text as its message. It returns the error of sending.
func Reply(ctx context.Context, conn *jsonrpc2.Conn, id jsonrpc2.ID, result any, err error) error {
	if err == nil {
		if sendErr := conn.Reply(ctx, id, result); sendErr != nil {
			return fmt.Errorf("send reply: %w", sendErr)
		}
		return nil
	}
	var rpcErr *jsonrpc2.Error
	if !errors.As(err, &rpcErr) {
		rpcErr = &jsonrpc2.Error{Code: jsonrpc2.CodeInternalError, Message: err.Error()}
	}
	if sendErr := conn.ReplyWithError(ctx, id, rpcErr); sendErr != nil {
		return fmt.Errorf("send error reply: %w", sendErr)
	}
	return nil
}

// NewLogger adapts l to jsonrpc2.Logger, for jsonrpc2.SetLogger: each
// message of the connection is logged as a warning. A nil l discards them.
func NewLogger(l *slog.Logger) jsonrpc2.Logger {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return printfLogger{l}
}

// printfLogger is a jsonrpc2.Logger writing to a slog.Logger.
type printfLogger struct{ l *slog.Logger }

// Printf logs one formatted message.
func (p printfLogger) Printf(format string, v ...any) {
	p.l.Warn(strings.TrimSpace(fmt.Sprintf(format, v...)))
}
