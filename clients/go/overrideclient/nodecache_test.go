package overrideclient

import (
	"context"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// countCalls is a client interceptor that counts the calls of one method.
func countCalls(method string, n *int32) grpc.DialOption {
	return grpc.WithChainUnaryInterceptor(func(ctx context.Context, m string, req, reply interface{},
		cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if m == method {
			atomic.AddInt32(n, 1)
		}
		return invoker(ctx, m, req, reply, cc, opts...)
	})
}

func TestNodeCache(t *testing.T) {
	server := startServer(t, memoryConfig(""), 0)
	var calls int32
	client := dial(t, Options{
		Target:      server.Addr,
		DialOptions: []grpc.DialOption{countCalls("/flyteoverride.v1.OverrideResolver/GetResolved", &calls)},
	})
	ctx := testContext(t)
	ids := map[string]ExecutionID{}
	for _, name := range []string{"a", "b", "c"} {
		request := trainingRequest("exec-cache-" + name)(t)
		if _, err := client.Resolve(ctx, request); err != nil {
			t.Fatal(err)
		}
		ids[name] = ExecutionID{Project: "flytesnacks", Domain: "development", Name: "exec-cache-" + name}
	}
	cache := NewNodeCache(client, 2)
	get := func(execution, path string, wantCalls int32) {
		t.Helper()
		node, err := cache.GetNode(ctx, ids[execution], path)
		if err != nil {
			t.Fatalf("%s %s: %v", execution, path, err)
		}
		if node.GetNodePath() != path {
			t.Errorf("asked for %s, got %s", path, node.GetNodePath())
		}
		if got := atomic.LoadInt32(&calls); got != wantCalls {
			t.Errorf("after %s %s: %d GetResolved calls, want %d", execution, path, got, wantCalls)
		}
	}

	get("a", "n2/n0", 1)
	get("a", "n2/n0", 1) // kept
	get("a", "n0", 2)    // another node of the same execution
	get("b", "n0", 3)
	get("c", "n0", 4) // a third execution: "a", the least recently used, goes
	if n := cache.Executions(); n != 2 {
		t.Errorf("%d executions kept, want 2", n)
	}
	get("c", "n0", 4)
	get("a", "n2/n0", 5) // fetched again; "b" goes
	get("c", "n0", 5)
	get("b", "n0", 6)

	node, _ := cache.GetNode(ctx, ids["a"], "n2/n0")
	if got := node.GetOverrides().GetContainerImage(); got != "ghcr.io/acme/trainer:1.5.0-rc1" {
		t.Errorf("a n2/n0 image %q", got)
	}

	// A node no hook covers is not recorded; a miss is not kept, since a
	// dynamic task may add the node later.
	before := atomic.LoadInt32(&calls)
	for i := 0; i < 2; i++ {
		if _, err := cache.GetNode(ctx, ids["a"], "n1/n1"); status.Code(err) != codes.NotFound {
			t.Errorf("an uncovered node: %v, want NOT_FOUND", err)
		}
	}
	if got := atomic.LoadInt32(&calls) - before; got != 2 {
		t.Errorf("%d calls for two misses, want 2", got)
	}

	cache.Forget(ids["a"])
	cache.Forget(ids["a"])
	if n := cache.Executions(); n != 1 {
		t.Errorf("%d executions after Forget, want 1", n)
	}
}
