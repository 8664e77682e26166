package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Bounds of the server process's life.
const (
	readyTimeout = 60 * time.Second
	stopTimeout  = 30 * time.Second
	// logTail is how much of the server's log is kept for error reports.
	logTail = 64 << 10
)

// serverProc is a server the load tester started: a separate process on
// free loopback ports with its own temporary data directory.
type serverProc struct {
	cmd      *exec.Cmd
	dataDir  string
	httpAddr string
	pprof    string // host:port of the pprof listener, "" if none
	log      *tailBuffer
	exited   chan struct{}
	exitErr  error
}

// serverParams configures startServer.
type serverParams struct {
	bin     string
	dataDir string // must exist; holds jwt-secret (created by the caller)
	config  string // YAML written to dataDir/loadtest.yaml
	args    []string
	pprof   bool
}

// moduleRoot finds the Earshot module's directory from the working
// directory upwards, so that the server can be built from anywhere inside.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module github.com/earshot/earshot\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the earshot module (go.mod not found); use -server-bin")
		}
		dir = parent
	}
}

// goTool is the go command of the toolchain that built this program.
func goTool() string {
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return "go"
}

// buildServer compiles ./server into dir. race mirrors the caller's race
// mode so a test run reuses the packages it already compiled.
func buildServer(ctx context.Context, dir string, race bool) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "earshot")
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	args = append(args, "./server")
	cmd := exec.CommandContext(ctx, goTool(), args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./server: %w\n%s", err, out)
	}
	return bin, nil
}

// freePort returns a TCP port free on loopback right now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startServer runs the server and waits until /readyz answers.
func startServer(ctx context.Context, p serverParams) (*serverProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	cfgPath := filepath.Join(p.dataDir, "loadtest.yaml")
	if err := os.WriteFile(cfgPath, []byte(p.config), 0o600); err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	s := &serverProc{dataDir: p.dataDir, httpAddr: "127.0.0.1:" + strconv.Itoa(port), log: &tailBuffer{max: logTail}, exited: make(chan struct{})}
	args := []string{
		"-config", cfgPath, "-http", s.httpAddr, "-data", p.dataDir,
		"-udp-port", "0", "-listen-ip", "127.0.0.1", "-log-level", "warn", "-demo=false",
	}
	if p.pprof {
		pp, err := freePort()
		if err != nil {
			return nil, fmt.Errorf("start server: %w", err)
		}
		s.pprof = "127.0.0.1:" + strconv.Itoa(pp)
		args = append(args, "-pprof", s.pprof)
	}
	args = append(args, p.args...)
	s.cmd = exec.Command(p.bin, args...)
	s.cmd.Stdout = s.log
	s.cmd.Stderr = s.log
	// The server must not outlive the load tester, whatever kills it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	go func() {
		s.exitErr = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx); err != nil {
		_ = s.stop()
		return nil, fmt.Errorf("start server: %w\nserver log:\n%s", err, s.log.String())
	}
	return s, nil
}

func (s *serverProc) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	url := "http://" + s.httpAddr + "/readyz"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("server exited: %v", s.exitErr)
		case <-ctx.Done():
			return fmt.Errorf("server not ready: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond): // poll interval
		}
	}
}

// pid is the server's process id.
func (s *serverProc) pid() int { return s.cmd.Process.Pid }

// wsURL is the signaling URL.
func (s *serverProc) wsURL() string { return "ws://" + s.httpAddr + "/ws" }

// metricsURL is the Prometheus endpoint.
func (s *serverProc) metricsURL() string { return "http://" + s.httpAddr + "/metrics" }

// stop sends SIGTERM (graceful drain), then SIGKILL if the server does not
// exit in time. It returns an error if the server had to be killed or
// exited with an error.
func (s *serverProc) stop() error {
	select {
	case <-s.exited:
		return s.exitErr
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return s.exitErr
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("server did not stop within %s; killed", stopTimeout)
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}
