package overrideclient

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"flyteoverride/goclient/gen/overridepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// countRetries is a RetryPolicy.OnRetry that counts.
func countRetries(n *int32) func(string, int, error, time.Duration) {
	return func(string, int, error, time.Duration) { atomic.AddInt32(n, 1) }
}

// closedPort is a port on 127.0.0.1 where nothing listens: a server's, just
// stopped.
func closedPort(t *testing.T) string {
	server := startServer(t, memoryConfig(""), 0)
	server.Stop()
	return server.Addr
}

func TestRetriesUntilTheServerIsBackOnTheSamePort(t *testing.T) {
	first := startServer(t, memoryConfig(""), 0)
	first.Stop()
	down := time.Now()

	var retries int32
	client := dial(t, Options{Target: first.Addr, Retry: RetryPolicy{
		MaxAttempts:    500,
		InitialBackoff: 50 * time.Millisecond,
		MaxBackoff:     250 * time.Millisecond,
		OnRetry:        countRetries(&retries),
	}})
	request := trainingRequest("exec-retried")(t)
	done := make(chan error, 1)
	go func() {
		_, err := client.Resolve(testContext(t), request)
		done <- err
	}()

	// The server stays down long enough for gRPC's own reconnection backoff
	// (1s, 1.6s, 2.6s, ... by default) to have grown past the client's.
	select {
	case err := <-done:
		t.Fatalf("the call ended while the server was down: %v", err)
	case <-time.After(6 * time.Second):
	}
	if atomic.LoadInt32(&retries) < 10 {
		t.Fatalf("only %d retries in %v", atomic.LoadInt32(&retries), time.Since(down))
	}

	second := startServer(t, memoryConfig(""), first.Port)
	back := time.Now()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the retried call failed: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the retried call did not finish within 20s of the restart")
	}
	// Within about one MaxBackoff of reconnecting and one of retrying.
	if took := time.Since(back); took > 1500*time.Millisecond {
		t.Errorf("the call took %v after the server was back", took)
	}
	t.Logf("%d retries; done %v after the restart", atomic.LoadInt32(&retries), time.Since(back))

	// Records live in the restarted (in-memory) server only if the retried
	// call reached it.
	got, err := dial(t, Options{Target: second.Addr}).GetResolved(testContext(t),
		&overridepb.GetResolvedRequest{ExecutionId: request.GetExecutionId()})
	if err != nil || len(got.GetNodes()) == 0 {
		t.Errorf("the restarted server has no record of the retried call: %v", err)
	}
}

func TestRetriesStopAfterMaxAttempts(t *testing.T) {
	var retries int32
	client := dial(t, Options{Target: closedPort(t), Retry: RetryPolicy{
		MaxAttempts:    3,
		InitialBackoff: 10 * time.Millisecond,
		OnRetry:        countRetries(&retries),
	}})
	_, err := client.InspectWorkflow(testContext(t), &overridepb.InspectWorkflowRequest{})
	if status.Code(err) != codes.Unavailable {
		t.Errorf("a server that is down: %v, want UNAVAILABLE", err)
	}
	if retries != 2 {
		t.Errorf("%d retries, want 2 (3 attempts)", retries)
	}
}

func TestRefusalsAreNotRetried(t *testing.T) {
	server := startServer(t, memoryConfig(""), 0)
	var retries int32
	client := dial(t, Options{Target: server.Addr, Retry: RetryPolicy{OnRetry: countRetries(&retries)}})
	ctx := testContext(t)
	// A map naming a hook the closure lacks: INVALID_ARGUMENT, every time.
	hooks, decodeErr := DecodeOverrideMap(`{"no_such_hook": {"retries": 1}}`)
	if decodeErr != nil {
		t.Fatal(decodeErr)
	}
	_, err := client.Resolve(ctx, &overridepb.ResolveRequest{
		Closure:            exampleClosure(t, "training_pipeline"),
		ExecutionOverrides: hooks,
	})
	var refused *ViolationError
	if !errors.As(err, &refused) || refused.Code != codes.InvalidArgument {
		t.Fatalf("an unknown hook: %v, want a refusal", err)
	}
	_, err = client.GetResolved(ctx, &overridepb.GetResolvedRequest{
		ExecutionId: ExecutionID{Project: "p", Domain: "d", Name: "never"}.proto(),
	})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("an unknown execution: %v, want NOT_FOUND", err)
	}
	if retries != 0 {
		t.Errorf("%d retries of answers that are the same every time", retries)
	}
}

func TestDeadlines(t *testing.T) {
	t.Run("CallTimeout bounds a call without a deadline", func(t *testing.T) {
		server := startServer(t, memoryConfig(""), 0)
		client := dial(t, Options{Target: server.Addr, CallTimeout: time.Microsecond})
		_, err := client.InspectWorkflow(context.Background(), &overridepb.InspectWorkflowRequest{})
		if status.Code(err) != codes.DeadlineExceeded {
			t.Errorf("a 1µs call: %v, want DEADLINE_EXCEEDED", err)
		}
	})
	t.Run("the caller's deadline wins", func(t *testing.T) {
		server := startServer(t, memoryConfig(""), 0)
		client := dial(t, Options{Target: server.Addr, CallTimeout: time.Microsecond})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := client.InspectWorkflow(ctx, &overridepb.InspectWorkflowRequest{}); status.Code(err) == codes.DeadlineExceeded {
			t.Errorf("CallTimeout cut a call that had its own deadline: %v", err)
		}
	})
	t.Run("retries stop at the deadline", func(t *testing.T) {
		var retries int32
		client := dial(t, Options{Target: closedPort(t), CallTimeout: 500 * time.Millisecond, Retry: RetryPolicy{
			MaxAttempts: 1000, InitialBackoff: 20 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
			OnRetry: countRetries(&retries),
		}})
		start := time.Now()
		_, err := client.InspectWorkflow(context.Background(), &overridepb.InspectWorkflowRequest{})
		if elapsed := time.Since(start); elapsed > 3*time.Second {
			t.Errorf("retries went on for %v past a 500ms deadline", elapsed)
		}
		if code := status.Code(err); code != codes.Unavailable && code != codes.DeadlineExceeded {
			t.Errorf("retries cut by the deadline: %v", err)
		}
		if retries == 0 {
			t.Errorf("no retry before the deadline")
		}
	})
}

func TestDNSTargetWithRoundRobin(t *testing.T) {
	server := startServer(t, memoryConfig(""), 0)
	target := fmt.Sprintf("dns:///localhost:%d", server.Port)
	if err := inspect(t, Options{Target: target, RoundRobin: true}); err != nil {
		t.Errorf("%s with round_robin: %v", target, err)
	}
}
