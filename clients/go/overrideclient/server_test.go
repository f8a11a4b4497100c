package overrideclient

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// The tests run a real override-resolver, from the binary FO_SERVER_BINARY
// names (scripts/go_test.sh sets it).

// testServer is one override-resolver process.
type testServer struct {
	t      *testing.T
	cmd    *exec.Cmd
	exited chan struct{}
	stderr string
	// Addr is "127.0.0.1:PORT" of the gRPC listener.
	Addr string
	Port int
}

var servingLine = regexp.MustCompile(`serving gRPC on ([0-9.]+):([0-9]+)`)

// memoryConfig keeps records in memory and stops fast; extra adds sections.
func memoryConfig(extra string) string {
	return "storage:\n  driver: memory\nserver:\n  shutdown_grace: 1s\n" + extra
}

// startServer starts override-resolver with config on grpcPort (0: any free
// port) and stops it when the test ends.
func startServer(t *testing.T, config string, grpcPort int) *testServer {
	t.Helper()
	binary := os.Getenv("FO_SERVER_BINARY")
	if binary == "" {
		t.Fatal("FO_SERVER_BINARY is not set: it names the override-resolver binary (scripts/go_test.sh sets it)")
	}
	dir := t.TempDir()
	configFile := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(configFile, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, exited: make(chan struct{}), stderr: filepath.Join(dir, "stderr.log")}
	stderr, err := os.Create(s.stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	s.cmd = exec.Command(binary, "--config", configFile,
		"--grpc-port", strconv.Itoa(grpcPort), "--http-port", "0")
	s.cmd.Dir = dir
	s.cmd.Stderr = stderr
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", binary, err)
	}
	lines := make(chan string, 1)
	go func() {
		reader := bufio.NewReader(stdout)
		line, _ := reader.ReadString('\n')
		lines <- line
		// Keep reading, so that the server never blocks on a full pipe.
		for {
			if _, err := reader.ReadString('\n'); err != nil {
				break
			}
		}
		s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(s.Stop)
	select {
	case line := <-lines:
		match := servingLine.FindStringSubmatch(line)
		if match == nil {
			s.Stop()
			t.Fatalf("override-resolver did not start: first line %q; stderr:\n%s", line, s.log())
		}
		s.Port, _ = strconv.Atoi(match[2])
		s.Addr = fmt.Sprintf("%s:%d", match[1], s.Port)
	case <-time.After(20 * time.Second):
		s.Stop()
		t.Fatalf("override-resolver printed nothing in 20s; stderr:\n%s", s.log())
	}
	return s
}

// Stop sends SIGTERM, as Kubernetes does, and waits for the process; it kills
// it if it does not stop in time. It may be called more than once.
func (s *testServer) Stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		s.t.Errorf("override-resolver did not stop within 10s of SIGTERM")
	}
}

func (s *testServer) log() string {
	b, _ := os.ReadFile(s.stderr)
	return string(b)
}

// dial makes a client that the test closes at its end.
func dial(t *testing.T, opts Options) *Client {
	t.Helper()
	c, err := Dial(opts)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testContext bounds one test's calls.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
