package overrideclient

import (
	"context"
	"testing"
	"time"

	"flyteoverride/goclient/gen/corepb"
	"flyteoverride/goclient/gen/overridepb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
)

// callPeers makes up to n InspectWorkflow calls through opts to a name that
// resolves to both servers' addresses, as a headless Service's name does,
// and returns how many calls each server address answered. It stops early
// once every address has answered.
func callPeers(t *testing.T, opts Options, n int, addrs ...string) map[string]int {
	t.Helper()
	names := manual.NewBuilderWithScheme("replicas")
	state := resolver.State{}
	for _, addr := range addrs {
		state.Addresses = append(state.Addresses, resolver.Address{Addr: addr})
	}
	names.InitialState(state)
	opts.Target = names.Scheme() + ":///override-resolver"
	opts.DialOptions = append(opts.DialOptions, grpc.WithResolvers(names))
	client := dial(t, opts)
	served := map[string]int{}
	for i := 0; i < n && len(served) < len(addrs); i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var p peer.Peer
		_, err := client.InspectWorkflow(ctx, &overridepb.InspectWorkflowRequest{
			Closure: &corepb.CompiledWorkflowClosure{Primary: &corepb.CompiledWorkflow{
				Template: &corepb.WorkflowTemplate{Id: &corepb.Identifier{Name: "wf"}},
			}},
		}, grpc.Peer(&p))
		cancel()
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		served[p.Addr.String()]++
		// round_robin uses the connections that are up; give the other
		// one time to come up instead of counting the first one's calls.
		time.Sleep(10 * time.Millisecond)
	}
	return served
}

func TestRoundRobinSpreadsCallsOverReplicas(t *testing.T) {
	a := startServer(t, memoryConfig(""), 0)
	b := startServer(t, memoryConfig(""), 0)
	served := callPeers(t, Options{RoundRobin: true}, 200, a.Addr, b.Addr)
	if served[a.Addr] == 0 || served[b.Addr] == 0 {
		t.Errorf("with RoundRobin, calls went to %v; want both %s and %s", served, a.Addr, b.Addr)
	}
}

func TestWithoutRoundRobinCallsStayOnOneReplica(t *testing.T) {
	a := startServer(t, memoryConfig(""), 0)
	b := startServer(t, memoryConfig(""), 0)
	served := callPeers(t, Options{}, 20, a.Addr, b.Addr)
	if len(served) != 1 {
		t.Errorf("gRPC's default (pick_first) sent calls to %v; want one address", served)
	}
}
