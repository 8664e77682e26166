// Package pionlog adapts log/slog to pion's logging interfaces, so pion's
// warnings and errors land in the server's structured log with a "pion"
// scope attribute instead of on stderr.
package pionlog

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// Factory implements logging.LoggerFactory on top of a slog.Logger.
type Factory struct {
	// Logger receives pion's messages one level lower than pion rates
	// them: pion logs every state change at Info and routine teardown
	// ("read/write on closed pipe", "connecting canceled by caller") at Warn
	// and sometimes Error, so Info becomes Debug, Warn becomes Info and Error
	// becomes Warn. Real trouble still shows at the default Info level
	// without paging anyone for a hang-up.
	Logger *slog.Logger
}

var _ logging.LoggerFactory = Factory{}

// NewLogger returns a logger for one pion scope ("ice", "dtls", "pc", ...).
func (f Factory) NewLogger(scope string) logging.LeveledLogger {
	return &leveled{l: f.Logger.With("pion", scope)}
}

// leveled implements logging.LeveledLogger. Formatting happens only when the
// level is enabled, because pion calls Tracef/Debugf on hot paths.
type leveled struct{ l *slog.Logger }

func (p *leveled) log(level slog.Level, msg string) {
	p.l.Log(context.Background(), level, msg)
}

func (p *leveled) logf(level slog.Level, format string, args ...any) {
	if !p.l.Enabled(context.Background(), level) {
		return
	}
	p.l.Log(context.Background(), level, fmt.Sprintf(format, args...))
}

// The methods below implement logging.LeveledLogger with the level shift
// documented on Factory.

func (p *leveled) Trace(msg string)                  { p.log(slog.LevelDebug-4, msg) }
func (p *leveled) Tracef(format string, args ...any) { p.logf(slog.LevelDebug-4, format, args...) }
func (p *leveled) Debug(msg string)                  { p.log(slog.LevelDebug, msg) }
func (p *leveled) Debugf(format string, args ...any) { p.logf(slog.LevelDebug, format, args...) }
func (p *leveled) Info(msg string)                   { p.log(slog.LevelDebug, msg) }
func (p *leveled) Infof(format string, args ...any)  { p.logf(slog.LevelDebug, format, args...) }
func (p *leveled) Warn(msg string)                   { p.log(slog.LevelInfo, msg) }
func (p *leveled) Warnf(format string, args ...any)  { p.logf(slog.LevelInfo, format, args...) }
func (p *leveled) Error(msg string)                  { p.log(slog.LevelWarn, msg) }
func (p *leveled) Errorf(format string, args ...any) { p.logf(slog.LevelWarn, format, args...) }
