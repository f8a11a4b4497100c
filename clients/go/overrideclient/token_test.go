package overrideclient

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"testing"
	"time"

	"flyteoverride/goclient/gen/overridepb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// The resolver does not check tokens yet (docs/design.md section 11), so what
// the client sends is seen by a stand-in gRPC server of the same service that
// records each call's metadata.
type recordingServer struct {
	overridepb.UnimplementedOverrideResolverServer
	seen chan metadata.MD
}

func (r *recordingServer) InspectWorkflow(ctx context.Context, _ *overridepb.InspectWorkflowRequest) (*overridepb.InspectWorkflowResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	r.seen <- md
	return &overridepb.InspectWorkflowResponse{}, nil
}

// startRecordingServer serves over TLS with the test server certificate and
// returns its address.
func startRecordingServer(t *testing.T) (string, *recordingServer) {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(certFile(t, "server.crt"), certFile(t, "server.key"))
	if err != nil {
		t.Fatal(err)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := grpc.NewServer(grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}})))
	recorder := &recordingServer{seen: make(chan metadata.MD, 10)}
	overridepb.RegisterOverrideResolverServer(server, recorder)
	go server.Serve(listener)
	t.Cleanup(server.Stop)
	return listener.Addr().String(), recorder
}

func TestBearerTokenGoesInFlyteAuthorization(t *testing.T) {
	addr, recorder := startRecordingServer(t)
	tokens := []string{"first-token", "second-token"}
	calls := 0
	source := func(context.Context) (string, error) {
		token := tokens[calls%len(tokens)]
		calls++
		return token, nil
	}
	client := dial(t, Options{Target: addr, TLS: &TLSOptions{CAFile: certFile(t, "ca.crt")}, Token: source})
	for _, want := range tokens {
		if _, err := client.InspectWorkflow(testContext(t), &overridepb.InspectWorkflowRequest{}); err != nil {
			t.Fatal(err)
		}
		md := <-recorder.seen
		if got := md.Get("flyte-authorization"); len(got) != 1 || got[0] != "Bearer "+want {
			t.Errorf("flyte-authorization %q, want [%q]: the source is asked before every call", got, "Bearer "+want)
		}
	}
}

func TestBearerTokenWithTheRealServer(t *testing.T) {
	server := startServer(t, memoryConfig(tlsConfig(t, false)), 0)
	err := inspect(t, Options{
		Target: server.Addr,
		TLS:    &TLSOptions{CAFile: certFile(t, "ca.crt")},
		Token:  StaticToken("a-token"),
	})
	if err != nil {
		t.Errorf("a call with a token over TLS: %v", err)
	}
}

func TestBearerTokenNeedsTLSUnlessAllowed(t *testing.T) {
	server := startServer(t, memoryConfig(""), 0)
	if client, err := Dial(Options{Target: server.Addr, Token: StaticToken("a-token")}); err == nil {
		client.Close()
		t.Errorf("Dial took a token over plaintext without AllowTokenWithoutTLS")
	}
	err := inspect(t, Options{Target: server.Addr, Token: StaticToken("a-token"), AllowTokenWithoutTLS: true})
	if err != nil {
		t.Errorf("with AllowTokenWithoutTLS: %v", err)
	}
}

func TestATokenSourceErrorFailsTheCallWithoutRetries(t *testing.T) {
	server := startServer(t, memoryConfig(""), 0)
	retries := 0
	client := dial(t, Options{
		Target:               server.Addr,
		Token:                func(context.Context) (string, error) { return "", errors.New("no token today") },
		AllowTokenWithoutTLS: true,
		Retry:                RetryPolicy{OnRetry: func(string, int, error, time.Duration) { retries++ }},
	})
	_, err := client.InspectWorkflow(testContext(t), &overridepb.InspectWorkflowRequest{})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("a failing token source: %v, want UNAUTHENTICATED", err)
	}
	if retries != 0 {
		t.Errorf("%d retries, want none", retries)
	}
}
