package overrideclient

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"flyteoverride/goclient/gen/overridepb"
	core "flyteoverride/goclient/internal/flyteidlstandin/core"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

func trainingAnnotations(t *testing.T) map[string]string {
	return map[string]string{
		LaunchPlanOverridesAnnotation: string(exampleFile(t, "training_pipeline", "launch_plan.json")),
		ExecutionOverridesAnnotation:  string(exampleFile(t, "training_pipeline", "execution.json")),
	}
}

// markedClosure is the training pipeline in the wire format with a marker
// field in every message outside hook declarations and one more at the top,
// standing for what a full flyteidl closure carries beyond the subset.
func markedClosure(t *testing.T, hooks bool) ([]byte, map[string]bool) {
	closure := exampleClosure(t, "training_pipeline")
	if !hooks {
		withoutHooks(closure.ProtoReflect())
	}
	marked := addMarkers(closure.ProtoReflect())
	b, err := proto.Marshal(closure)
	if err != nil {
		t.Fatal(err)
	}
	// A field of flyteidl's closure the subset lacks, at the top level.
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	b = protowire.AppendString(b, "a member the subset does not declare")
	return b, marked
}

func TestResolveExecutionCarriesFieldsTheSubsetDoesNotKnow(t *testing.T) {
	server := startServer(t, memoryConfig(""), 0)
	client := dial(t, Options{Target: server.Addr})

	t.Run("a closure the rewrite does not change comes back equal", func(t *testing.T) {
		in, marked := markedClosure(t, false)
		result, err := client.ResolveExecution(testContext(t), in, Execution{
			ID: ExecutionID{Project: "flytesnacks", Domain: "development", Name: "exec-unchanged"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if result.FailedOpen {
			t.Fatal("failed open against a running server")
		}
		before, _ := ClosureFromBytes(in)
		after, err := ClosureFromBytes(result.Closure)
		if err != nil {
			t.Fatal(err)
		}
		// proto.Equal compares unknown fields byte for byte.
		if !proto.Equal(before, after) {
			t.Errorf("the closure changed; %d markers went in, %d came back", len(marked), len(markers(after.ProtoReflect())))
		}
		if !bytes.Contains(result.Closure, []byte("a member the subset does not declare")) {
			t.Errorf("the top-level unknown field was lost")
		}
	})

	t.Run("a rewritten closure keeps them where it did not replace the message", func(t *testing.T) {
		in, marked := markedClosure(t, true)
		result, err := client.ResolveExecution(testContext(t), in, Execution{
			ID:          ExecutionID{Project: "flytesnacks", Domain: "development", Name: "exec-rewritten"},
			Annotations: trainingAnnotations(t),
		})
		if err != nil {
			t.Fatal(err)
		}
		after, err := ClosureFromBytes(result.Closure)
		if err != nil {
			t.Fatal(err)
		}
		found := markers(after.ProtoReflect())
		for path := range marked {
			if _, ok := found[path]; ok {
				continue
			}
			// The one message a rewrite replaces: the reference of a node
			// that now calls a copy of its template.
			ref := messageAt(after.ProtoReflect(), path)
			name := ""
			if ref != nil && ref.Descriptor().Name() == "Identifier" {
				name = ref.Get(ref.Descriptor().Fields().ByName("name")).String()
			}
			if !strings.Contains(name, "-ro-") {
				t.Errorf("lost the unknown field of %s", path)
			}
		}
		if !bytes.Contains(result.Closure, []byte("a member the subset does not declare")) {
			t.Errorf("the top-level unknown field was lost")
		}
		if len(result.Response.GetTemplateCopies()) == 0 {
			t.Errorf("no template copies: the test no longer covers re-pointed references")
		}
	})
}

// standinClosure reads closure.json into the stand-in for flyteidl's own
// *core.CompiledWorkflowClosure, as FlyteAdmin holds it.
func standinClosure(t *testing.T, example string) *core.CompiledWorkflowClosure {
	closure := &core.CompiledWorkflowClosure{}
	options := protojson.UnmarshalOptions{DiscardUnknown: true}
	if err := options.Unmarshal(exampleFile(t, example, "closure.json"), closure); err != nil {
		t.Fatal(err)
	}
	return closure
}

func TestResolveExecutionMessageTakesAndReturnsFlyteidlsType(t *testing.T) {
	server := startServer(t, memoryConfig(""), 0)
	client := dial(t, Options{Target: server.Addr})
	id := ExecutionID{Project: "flytesnacks", Domain: "development", Name: "exec-message"}
	out, result, err := client.ResolveExecutionMessage(testContext(t), standinClosure(t, "training_pipeline"),
		Execution{ID: id, Annotations: trainingAnnotations(t)})
	if err != nil {
		t.Fatal(err)
	}
	rewritten, ok := out.(*core.CompiledWorkflowClosure)
	if !ok {
		t.Fatalf("got a %T, want the caller's *core.CompiledWorkflowClosure", out)
	}
	// Plain flyteidl v1: no hook declarations left.
	walkMessages(rewritten.ProtoReflect(), "closure", func(path string, m protoreflect.Message) {
		if fd := m.Descriptor().Fields().ByName("runtime_override"); fd != nil && m.Has(fd) {
			t.Errorf("%s still declares a hook", path)
		}
	})
	// n0's hook "prepare" lowers its memory to 12Gi/16Gi, in the node's
	// own overrides, where an unmodified propeller reads them.
	var n0 *core.Node
	for _, node := range rewritten.GetPrimary().GetTemplate().GetNodes() {
		if node.GetId() == "n0" {
			n0 = node
		}
	}
	overrides := n0.GetTaskNode().GetOverrides()
	var request, limit string
	for _, r := range overrides.GetResources().GetRequests() {
		if r.GetName() == core.Resources_MEMORY {
			request = r.GetValue()
		}
	}
	for _, r := range overrides.GetResources().GetLimits() {
		if r.GetName() == core.Resources_MEMORY {
			limit = r.GetValue()
		}
	}
	if request != "12Gi" || limit != "16Gi" {
		t.Errorf("n0 memory %q/%q, want 12Gi/16Gi", request, limit)
	}
	if len(result.Response.GetNodes()) != 6 {
		t.Errorf("%d resolved nodes, want 6", len(result.Response.GetNodes()))
	}
	// Recorded under the execution id, for propeller.
	recorded, err := client.GetResolved(testContext(t), &overridepb.GetResolvedRequest{ExecutionId: id.proto()})
	if err != nil || recorded.GetInputDigest() != result.Response.GetInputDigest() {
		t.Errorf("the execution was not recorded: %v", err)
	}
}

func TestResolveExecutionRefusals(t *testing.T) {
	server := startServer(t, memoryConfig(""), 0)
	client := dial(t, Options{Target: server.Addr})
	closure, err := proto.Marshal(exampleClosure(t, "invalid"))
	if err != nil {
		t.Fatal(err)
	}
	execution := exampleFile(t, "invalid", "execution.json")

	t.Run("violations, fail-open or not", func(t *testing.T) {
		for _, failOpen := range []bool{false, true} {
			_, err := client.ResolveExecution(testContext(t), closure, Execution{
				ID: ExecutionID{Project: "flytesnacks", Domain: "development", Name: "exec-refused"},
				Annotations: map[string]string{
					LaunchPlanOverridesAnnotation: string(exampleFile(t, "invalid", "launch_plan.json")),
					ExecutionOverridesAnnotation:  withoutMember(t, execution, "evaluate", "timeout"),
				},
				FailOpen: failOpen,
			})
			var refused *ViolationError
			if !errors.As(err, &refused) {
				t.Fatalf("FailOpen %v: %v, want a *ViolationError", failOpen, err)
			}
			if len(refused.Violations) != 5 {
				t.Errorf("%d violations, want 5", len(refused.Violations))
			}
			for _, v := range refused.Violations {
				if !strings.Contains(err.Error(), v.GetField()+": "+v.GetDescription()) {
					t.Errorf("the error text lacks %s", v.GetField())
				}
			}
		}
	})

	t.Run("unknown hooks, refused or warned", func(t *testing.T) {
		training, err := proto.Marshal(exampleClosure(t, "training_pipeline"))
		if err != nil {
			t.Fatal(err)
		}
		execution := Execution{
			ID:          ExecutionID{Project: "flytesnacks", Domain: "development", Name: "exec-unknown-hook"},
			Annotations: map[string]string{ExecutionOverridesAnnotation: "trian: {retries: 3}\n"},
		}
		var refused *ViolationError
		if _, err := client.ResolveExecution(testContext(t), training, execution); !errors.As(err, &refused) ||
			!strings.Contains(err.Error(), "execution_overrides[trian]") {
			t.Errorf("an unknown hook: %v, want a refusal naming it", err)
		}
		execution.WarnUnknownHooks = true
		result, err := client.ResolveExecution(testContext(t), training, execution)
		if err != nil {
			t.Fatalf("an unknown hook with WarnUnknownHooks: %v", err)
		}
		warned := false
		for _, w := range result.Response.GetWarnings() {
			warned = warned || w.GetReason() == "UNKNOWN_HOOK"
		}
		if !warned {
			t.Errorf("no UNKNOWN_HOOK warning in %v", result.Response.GetWarnings())
		}
	})

	t.Run("implicit hooks address a workflow registered without hooks", func(t *testing.T) {
		plain, err := proto.Marshal(exampleClosure(t, "implicit_hooks"))
		if err != nil {
			t.Fatal(err)
		}
		execution := Execution{
			ID:          ExecutionID{Project: "flytesnacks", Domain: "development", Name: "exec-implicit"},
			Annotations: map[string]string{ExecutionOverridesAnnotation: "train_model: {retries: 4}\n"},
		}
		var refused *ViolationError
		if _, err := client.ResolveExecution(testContext(t), plain, execution); !errors.As(err, &refused) {
			t.Errorf("without implicit hooks: %v, want an UNKNOWN_HOOK refusal", err)
		}
		execution.ImplicitHooks = true
		execution.ID.Name = "exec-implicit-on"
		result, err := client.ResolveExecution(testContext(t), plain, execution)
		if err != nil {
			t.Fatalf("with implicit hooks: %v", err)
		}
		rewritten := 0
		for _, node := range result.Response.GetNodes() {
			if strings.HasSuffix(node.GetNodePath(), "/n0") && node.GetOverrides().GetRetries() == 4 {
				rewritten++
			}
		}
		if rewritten != 2 {
			t.Errorf("%d calls of train_model got 4 retries, want 2: %v", rewritten, result.Response.GetNodes())
		}
	})

	t.Run("an annotation that does not parse, before any call", func(t *testing.T) {
		// A server that is down: the annotation is refused all the same,
		// and never failed open.
		down := dial(t, Options{Target: closedPort(t), Retry: RetryPolicy{MaxAttempts: 1}})
		_, err := down.ResolveExecution(testContext(t), closure, Execution{
			Annotations: map[string]string{ExecutionOverridesAnnotation: string(execution)},
			FailOpen:    true,
		})
		var bad *AnnotationError
		if !errors.As(err, &bad) || !strings.Contains(err.Error(), `"timeout"`) {
			t.Errorf("%v, want an AnnotationError naming timeout", err)
		}
	})
}

func TestFailOpenAndFailClosed(t *testing.T) {
	var retries int32
	client := dial(t, Options{Target: closedPort(t), Retry: RetryPolicy{
		MaxAttempts: 3, InitialBackoff: 10 * time.Millisecond, OnRetry: countRetries(&retries),
	}})
	in, _ := markedClosure(t, true)
	execution := Execution{
		ID:          ExecutionID{Project: "flytesnacks", Domain: "development", Name: "exec-down"},
		Annotations: trainingAnnotations(t),
	}

	t.Run("fail-closed", func(t *testing.T) {
		_, err := client.ResolveExecution(testContext(t), in, execution)
		if status.Code(err) != codes.Unavailable {
			t.Errorf("%v, want UNAVAILABLE", err)
		}
	})
	t.Run("fail-open", func(t *testing.T) {
		execution.FailOpen = true
		result, err := client.ResolveExecution(testContext(t), in, execution)
		if err != nil {
			t.Fatal(err)
		}
		if !result.FailedOpen || status.Code(result.Unavailable) != codes.Unavailable || result.Response != nil {
			t.Errorf("result %+v, want failed open because UNAVAILABLE", result)
		}
		if !bytes.Equal(result.Closure, in) {
			t.Errorf("failing open changed the closure")
		}
		closure := standinClosure(t, "training_pipeline")
		out, result, err := client.ResolveExecutionMessage(testContext(t), closure, execution)
		if err != nil || !result.FailedOpen || out != proto.Message(closure) {
			t.Errorf("ResolveExecutionMessage failing open: %v, %+v; want the closure given", err, result)
		}
	})
	if retries == 0 {
		t.Errorf("no retries before giving up")
	}
}

// A closure that is not a closure is refused before any call.
func TestResolveExecutionRefusesBytesThatAreNoClosure(t *testing.T) {
	client := dial(t, Options{Target: closedPort(t)})
	_, err := client.ResolveExecution(testContext(t), []byte{0xff, 0xff, 0xff}, Execution{FailOpen: true})
	if err == nil || status.Code(err) == codes.Unavailable {
		t.Errorf("%v, want a parse error", err)
	}
}
