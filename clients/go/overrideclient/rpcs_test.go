package overrideclient

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"

	"flyteoverride/goclient/gen/corepb"
	"flyteoverride/goclient/gen/overridepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

func pathsOf(nodes []*overridepb.ResolvedNode) []string {
	paths := make([]string, len(nodes))
	for i, node := range nodes {
		paths[i] = node.GetNodePath()
	}
	sort.Strings(paths)
	return paths
}

func findNode(nodes []*overridepb.ResolvedNode, path string) *overridepb.ResolvedNode {
	for _, node := range nodes {
		if node.GetNodePath() == path {
			return node
		}
	}
	return nil
}

func resourceValue(o *corepb.TaskNodeOverrides, limits bool, name corepb.Resources_ResourceName) string {
	entries := o.GetResources().GetRequests()
	if limits {
		entries = o.GetResources().GetLimits()
	}
	for _, entry := range entries {
		if entry.GetName() == name {
			return entry.GetValue()
		}
	}
	return ""
}

func trainingRequest(name string) func(t *testing.T) *overridepb.ResolveRequest {
	return func(t *testing.T) *overridepb.ResolveRequest {
		return &overridepb.ResolveRequest{
			ExecutionId:         ExecutionID{Project: "flytesnacks", Domain: "development", Name: name}.proto(),
			Closure:             exampleClosure(t, "training_pipeline"),
			LaunchPlanOverrides: exampleMap(t, "training_pipeline", "launch_plan.json"),
			ExecutionOverrides:  exampleMap(t, "training_pipeline", "execution.json"),
		}
	}
}

func TestInspectWorkflowListsHooksAndWhatTheyCover(t *testing.T) {
	server := startServer(t, memoryConfig(""), 0)
	client := dial(t, Options{Target: server.Addr})
	resp, err := client.InspectWorkflow(testContext(t), &overridepb.InspectWorkflowRequest{
		Closure: exampleClosure(t, "training_pipeline"),
	})
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string][]string{}
	for _, hook := range resp.GetHooks() {
		covered[hook.GetName()] = hook.GetNodePaths()
	}
	want := map[string][]string{
		"prepare":    {"n0"},
		"train":      {"n1/n0", "n2/n0"},
		"challenger": {"n2/n0", "n2/n1"},
		"evaluate":   {"n3"},
		"deploy":     {"n4"},
	}
	if !reflect.DeepEqual(covered, want) {
		t.Errorf("hooks cover %v, want %v", covered, want)
	}
	if len(resp.GetDiagnostics()) != 0 {
		t.Errorf("diagnostics %v, want none", resp.GetDiagnostics())
	}
}

func TestResolveRecordsWhatGetResolvedReadsBack(t *testing.T) {
	server := startServer(t, memoryConfig(""), 0)
	client := dial(t, Options{Target: server.Addr})
	ctx := testContext(t)
	request := trainingRequest("exec-record")(t)

	resolved, err := client.Resolve(ctx, request)
	if err != nil {
		t.Fatal(err)
	}
	wantPaths := []string{"n0", "n1/n0", "n2/n0", "n2/n1", "n3", "n4"}
	if got := pathsOf(resolved.GetNodes()); !reflect.DeepEqual(got, wantPaths) {
		t.Fatalf("resolved %v, want %v", got, wantPaths)
	}
	challenger := findNode(resolved.GetNodes(), "n2/n0").GetOverrides()
	if got := challenger.GetContainerImage(); got != "ghcr.io/acme/trainer:1.5.0-rc1" {
		t.Errorf("n2/n0 image %q", got)
	}
	if got := challenger.GetRetries(); got != 4 {
		t.Errorf("n2/n0 retries %d, want 4 (LAUNCH_PLAN challenger)", got)
	}
	if got := resourceValue(challenger, false, corepb.Resources_MEMORY); got != "48Gi" {
		t.Errorf("n2/n0 memory request %q, want 48Gi", got)
	}

	// The same call again is the recorded answer (what a retry gets).
	again, err := client.Resolve(ctx, request)
	if err != nil {
		t.Fatal(err)
	}
	if again.GetInputDigest() != resolved.GetInputDigest() || !proto.Equal(again, resolved) {
		t.Errorf("a repeated Resolve answered differently")
	}

	all, err := client.GetResolved(ctx, &overridepb.GetResolvedRequest{ExecutionId: request.GetExecutionId()})
	if err != nil {
		t.Fatal(err)
	}
	if got := pathsOf(all.GetNodes()); !reflect.DeepEqual(got, wantPaths) {
		t.Errorf("GetResolved read %v, want %v", got, wantPaths)
	}
	if all.GetInputDigest() != resolved.GetInputDigest() {
		t.Errorf("recorded digest %q, resolved %q", all.GetInputDigest(), resolved.GetInputDigest())
	}

	one, err := client.GetResolved(ctx, &overridepb.GetResolvedRequest{
		ExecutionId: request.GetExecutionId(), NodePath: "n2/n0", Explain: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.GetNodes()) != 1 || !proto.Equal(one.GetNodes()[0].GetOverrides(), challenger) {
		t.Errorf("GetResolved n2/n0 = %v, want the resolved overrides", one.GetNodes())
	}
	if len(one.GetNodes()) == 1 && len(one.GetNodes()[0].GetProvenance()) == 0 {
		t.Errorf("GetResolved with explain has no provenance")
	}

	// The same id with other inputs is a conflict, not a new record.
	request.ExecutionOverrides = nil
	_, err = client.Resolve(ctx, request)
	if status.Code(err) != codes.AlreadyExists {
		t.Errorf("Resolve with other inputs: %v, want ALREADY_EXISTS", err)
	}

	_, err = client.GetResolved(ctx, &overridepb.GetResolvedRequest{
		ExecutionId: ExecutionID{Project: "flytesnacks", Domain: "development", Name: "never"}.proto(),
	})
	if status.Code(err) != codes.NotFound {
		t.Errorf("GetResolved of an execution never recorded: %v, want NOT_FOUND", err)
	}
}

// dynamicClosure is what a dynamic task produced: nodes d0.. calling task.
func dynamicClosure(task *corepb.TaskTemplate, nodes int) *corepb.CompiledWorkflowClosure {
	workflow := &corepb.WorkflowTemplate{Id: &corepb.Identifier{
		ResourceType: corepb.ResourceType_WORKFLOW, Project: "flytesnacks",
		Domain: "development", Name: "ml.training.dynamic_fanout", Version: "v1.4.0",
	}}
	for i := 0; i < nodes; i++ {
		workflow.Nodes = append(workflow.Nodes, &corepb.Node{
			Id: "d" + string(rune('0'+i)),
			Target: &corepb.Node_TaskNode{TaskNode: &corepb.TaskNode{
				Reference: &corepb.TaskNode_ReferenceId{ReferenceId: task.GetId()},
			}},
		})
	}
	return &corepb.CompiledWorkflowClosure{
		Primary: &corepb.CompiledWorkflow{Template: workflow},
		Tasks:   []*corepb.CompiledTask{{Template: task}},
	}
}

func TestResolveDynamicInheritsTheParentsHooks(t *testing.T) {
	server := startServer(t, memoryConfig(""), 0)
	client := dial(t, Options{Target: server.Addr})
	ctx := testContext(t)
	request := trainingRequest("exec-dynamic")(t)
	recorded, err := client.Resolve(ctx, request)
	if err != nil {
		t.Fatal(err)
	}
	var task *corepb.TaskTemplate
	for _, compiled := range request.GetClosure().GetTasks() {
		if compiled.GetTemplate().GetId().GetName() == "ml.training.train_model" {
			task = compiled.GetTemplate()
		}
	}
	if task == nil {
		t.Fatal("no task ml.training.train_model in the example")
	}

	dynamic := &overridepb.ResolveDynamicRequest{
		ExecutionId:    request.GetExecutionId(),
		ParentNodePath: "n1/n0",
		Closure:        dynamicClosure(task, 2),
	}
	first, err := client.ResolveDynamic(ctx, dynamic)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pathsOf(first.GetNodes()), []string{"n1/n0/d0", "n1/n0/d1"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("dynamic nodes %v, want %v", got, want)
	}
	parent := findNode(recorded.GetNodes(), "n1/n0")
	for _, node := range first.GetNodes() {
		if !reflect.DeepEqual(node.GetHooks(), []string{"train"}) {
			t.Errorf("%s hooks %v, want [train]", node.GetNodePath(), node.GetHooks())
		}
		// Same task, same hooks: the parent's runtime overrides.
		if !proto.Equal(node.GetOverrides(), parent.GetOverrides()) {
			t.Errorf("%s overrides differ from the parent's", node.GetNodePath())
		}
	}

	again, err := client.ResolveDynamic(ctx, dynamic)
	if err != nil || !proto.Equal(again, first) {
		t.Errorf("a repeated ResolveDynamic: %v, or another answer", err)
	}
	one, err := client.GetResolved(ctx, &overridepb.GetResolvedRequest{
		ExecutionId: request.GetExecutionId(), NodePath: "n1/n0/d1",
	})
	if err != nil || len(one.GetNodes()) != 1 {
		t.Fatalf("GetResolved n1/n0/d1: %v, %v", one, err)
	}

	dynamic.Closure = dynamicClosure(task, 3)
	if _, err := client.ResolveDynamic(ctx, dynamic); status.Code(err) != codes.AlreadyExists {
		t.Errorf("another closure for the same parent: %v, want ALREADY_EXISTS", err)
	}
}

func TestRefusalIsAViolationErrorListingEveryViolation(t *testing.T) {
	server := startServer(t, memoryConfig(""), 0)
	client := dial(t, Options{Target: server.Addr})
	// "timeout" is no TaskNodeOverrides field: the client's strict reader
	// refuses it before the call (see the annotation tests), so it is left
	// out here to reach the service's own checks.
	execution, err := DecodeOverrideMap(withoutMember(t,
		exampleFile(t, "invalid", "execution.json"), "evaluate", "timeout"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.Resolve(testContext(t), &overridepb.ResolveRequest{
		Closure:             exampleClosure(t, "invalid"),
		LaunchPlanOverrides: exampleMap(t, "invalid", "launch_plan.json"),
		ExecutionOverrides:  execution,
	})
	var refused *ViolationError
	if !errors.As(err, &refused) {
		t.Fatalf("Resolve: %v (%T), want a *ViolationError", err, err)
	}
	if refused.Code != codes.InvalidArgument || status.Code(err) != codes.InvalidArgument {
		t.Errorf("code %v / %v, want INVALID_ARGUMENT", refused.Code, status.Code(err))
	}
	reasons := map[string]bool{}
	for _, v := range refused.Violations {
		reasons[v.GetReason()] = true
		if !strings.Contains(err.Error(), v.GetField()+": "+v.GetDescription()) {
			t.Errorf("the error text lacks %q: %q", v.GetField()+": "+v.GetDescription(), err.Error())
		}
	}
	for _, reason := range []string{"REQUEST_ABOVE_LIMIT", "BAD_ENVIRONMENT_KEY", "UNKNOWN_HOOK", "BAD_QUANTITY", "NEGATIVE_RETRIES"} {
		if !reasons[reason] {
			t.Errorf("no %s violation among %v", reason, refused.Violations)
		}
	}
	if len(refused.Violations) != 5 {
		t.Errorf("%d violations, want 5: %v", len(refused.Violations), refused.Violations)
	}
}
