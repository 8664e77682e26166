// Command earshot is the Earshot media server: WebRTC voice and chat for
// contact centers, with supervisor Listen, Whisper and Barge.
//
//	earshot [serve] [flags]   start the server (default)
//	earshot token [flags]     mint an HS256 token with the data directory's secret
//	earshot audit verify      check the audit trail's hash chain (see auditcmd.go)
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is main without the process: testable, and every exit path returns.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "token":
			return tokenCommand(args[1:], getenv, stdout, stderr)
		case "audit":
			return auditCommand(ctx, args[1:], getenv, stdout, stderr)
		case "serve":
			args = args[1:]
		case "help", "-h", "-help", "--help":
			fmt.Fprint(stdout, usage)
			return 0
		}
	}
	cfg, err := LoadConfig(args, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "earshot: %v\n", err)
		return 2
	}
	logger, err := newLogger(cfg.Log, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "earshot: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	a, err := newApp(ctx, cfg, logger)
	if err != nil {
		fmt.Fprintf(stderr, "earshot: %v\n", err)
		return 1
	}
	if err := a.serve(ctx, stdout); err != nil {
		fmt.Fprintf(stderr, "earshot: %v\n", err)
		return 1
	}
	return 0
}

const usage = `earshot — contact-center media server with supervisor Listen / Whisper / Barge

Usage:
  earshot [serve] [flags]     start the server (flags: earshot serve -h)
  earshot token [flags]       mint a token signed with the data directory's dev secret
                              (earshot token -h)
  earshot audit verify|purge  check the audit hash chain, or apply retention now
                              (earshot audit -h)
`
