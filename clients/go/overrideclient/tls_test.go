package overrideclient

import (
	"context"
	"testing"
	"time"

	"flyteoverride/goclient/gen/corepb"
	"flyteoverride/goclient/gen/overridepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// inspect makes one cheap call; it reaches the service only through a
// working channel. One attempt, a short deadline: a refused handshake must
// show as an error, not a wait.
func inspect(t *testing.T, opts Options) error {
	t.Helper()
	opts.Retry.MaxAttempts = 1
	client := dial(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := client.InspectWorkflow(ctx, &overridepb.InspectWorkflowRequest{
		Closure: &corepb.CompiledWorkflowClosure{Primary: &corepb.CompiledWorkflow{
			Template: &corepb.WorkflowTemplate{Id: &corepb.Identifier{Name: "wf"}},
		}},
	})
	return err
}

func TestTLS(t *testing.T) {
	server := startServer(t, memoryConfig(tlsConfig(t, false)), 0)
	t.Run("the server's CA verifies it", func(t *testing.T) {
		err := inspect(t, Options{Target: server.Addr, TLS: &TLSOptions{CAFile: certFile(t, "ca.crt")}})
		if err != nil {
			t.Errorf("over TLS: %v", err)
		}
	})
	t.Run("a name from ServerName", func(t *testing.T) {
		err := inspect(t, Options{Target: server.Addr, TLS: &TLSOptions{
			CAFile: certFile(t, "ca.crt"), ServerName: "localhost",
		}})
		if err != nil {
			t.Errorf("over TLS as localhost: %v", err)
		}
	})
	t.Run("another CA does not", func(t *testing.T) {
		err := inspect(t, Options{Target: server.Addr, TLS: &TLSOptions{CAFile: certFile(t, "rogue-ca.crt")}})
		if status.Code(err) != codes.Unavailable {
			t.Errorf("with the wrong CA: %v, want UNAVAILABLE", err)
		}
	})
	t.Run("plaintext does not", func(t *testing.T) {
		if err := inspect(t, Options{Target: server.Addr}); err == nil {
			t.Errorf("a plaintext call to a TLS server succeeded")
		}
	})
}

func TestMutualTLS(t *testing.T) {
	server := startServer(t, memoryConfig(tlsConfig(t, true)), 0)
	t.Run("a client certificate of the CA", func(t *testing.T) {
		err := inspect(t, Options{Target: server.Addr, TLS: &TLSOptions{
			CAFile:   certFile(t, "ca.crt"),
			CertFile: certFile(t, "client.crt"),
			KeyFile:  certFile(t, "client.key"),
		}})
		if err != nil {
			t.Errorf("with a client certificate: %v", err)
		}
	})
	t.Run("no client certificate", func(t *testing.T) {
		err := inspect(t, Options{Target: server.Addr, TLS: &TLSOptions{CAFile: certFile(t, "ca.crt")}})
		if status.Code(err) != codes.Unavailable {
			t.Errorf("without a client certificate: %v, want UNAVAILABLE", err)
		}
	})
	t.Run("a certificate of another CA", func(t *testing.T) {
		err := inspect(t, Options{Target: server.Addr, TLS: &TLSOptions{
			CAFile:   certFile(t, "ca.crt"),
			CertFile: certFile(t, "rogue-client.crt"),
			KeyFile:  certFile(t, "rogue-client.key"),
		}})
		if status.Code(err) != codes.Unavailable {
			t.Errorf("with a rogue client certificate: %v, want UNAVAILABLE", err)
		}
	})
}

func TestTLSOptionsAreChecked(t *testing.T) {
	for name, options := range map[string]*TLSOptions{
		"a missing CA file":    {CAFile: "/nonexistent/ca.crt"},
		"a CA file of no PEM":  {CAFile: "/dev/null"},
		"a certificate alone":  {CertFile: "/nonexistent/client.crt"},
		"a missing client key": {CertFile: "/nonexistent/client.crt", KeyFile: "/nonexistent/client.key"},
	} {
		if _, err := Dial(Options{Target: "127.0.0.1:1", TLS: options}); err == nil {
			t.Errorf("Dial with %s succeeded", name)
		}
	}
}
