package overrideclient

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"flyteoverride/goclient/gen/overridepb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// A real server answers CANCELLED only to a call that races with its
// shutdown (grpc/grpc#41785), which no test can make happen on cue; this
// stand-in answers CANCELLED to its first `cancel` calls.
type cancellingServer struct {
	overridepb.UnimplementedOverrideResolverServer
	calls, cancel int32
}

func (s *cancellingServer) GetResolved(context.Context, *overridepb.GetResolvedRequest) (*overridepb.GetResolvedResponse, error) {
	if atomic.AddInt32(&s.calls, 1) <= s.cancel {
		return nil, status.Error(codes.Canceled, "CANCELLED")
	}
	return &overridepb.GetResolvedResponse{InputDigest: "answered"}, nil
}

func startCancellingServer(t *testing.T, cancel int32) (string, *cancellingServer) {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := grpc.NewServer()
	fake := &cancellingServer{cancel: cancel}
	overridepb.RegisterOverrideResolverServer(server, fake)
	go server.Serve(listener)
	t.Cleanup(server.Stop)
	return listener.Addr().String(), fake
}

func TestCancelledByTheServerIsRetried(t *testing.T) {
	addr, fake := startCancellingServer(t, 2)
	var retries int32
	client := dial(t, Options{Target: addr, Retry: RetryPolicy{
		InitialBackoff: time.Millisecond, OnRetry: countRetries(&retries)}})
	got, err := client.GetResolved(testContext(t), &overridepb.GetResolvedRequest{})
	if err != nil || got.InputDigest != "answered" {
		t.Fatalf("GetResolved: %v, %v; want the third attempt's answer", got, err)
	}
	if retries != 2 || fake.calls != 3 {
		t.Errorf("%d retries and %d calls, want 2 and 3", retries, fake.calls)
	}
}

func TestCancelledByTheCallerIsNotRetried(t *testing.T) {
	addr, fake := startCancellingServer(t, 0)
	var retries int32
	client := dial(t, Options{Target: addr, Retry: RetryPolicy{OnRetry: countRetries(&retries)}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := client.GetResolved(ctx, &overridepb.GetResolvedRequest{})
	if status.Code(err) != codes.Canceled || retries != 0 || fake.calls != 0 {
		t.Errorf("%v after %d retries and %d calls; want CANCELLED at once", err, retries, fake.calls)
	}
}
