package overrideclient

import (
	"strings"
	"testing"

	"flyteoverride/goclient/gen/corepb"
	"flyteoverride/goclient/gen/overridepb"
	core "flyteoverride/goclient/internal/flyteidlstandin/core"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// This test binary links the stand-in for flyteidl's Go package (the subset
// under flyteidl.core and flyteidl's file paths, as FlyteAdmin links
// flyteidl) beside the client. Had the client registered any of those names
// or paths, protobuf-go would have panicked before the first test.
func TestTheClientLinksBesideFlyteidl(t *testing.T) {
	theirs := (&core.CompiledWorkflowClosure{}).ProtoReflect().Descriptor()
	ours := (&corepb.CompiledWorkflowClosure{}).ProtoReflect().Descriptor()
	if theirs.FullName() != "flyteidl.core.CompiledWorkflowClosure" {
		t.Fatalf("the stand-in is %s, not flyteidl's name", theirs.FullName())
	}
	if strings.HasPrefix(string(ours.FullName()), "flyteidl.") || strings.HasPrefix(ours.ParentFile().Path(), "flyteidl/") {
		t.Errorf("the client registers %s in %s: flyteidl's namespace", ours.FullName(), ours.ParentFile().Path())
	}
	registered, err := protoregistry.GlobalTypes.FindMessageByName(theirs.FullName())
	if err != nil || registered.Descriptor() != theirs {
		t.Errorf("flyteidl.core.CompiledWorkflowClosure resolves to %v (%v), not flyteidl's type", registered, err)
	}
	api := overridepb.File_flyteoverride_v1_resolver_proto
	for i := 0; i < api.Imports().Len(); i++ {
		if path := api.Imports().Get(i).Path(); strings.HasPrefix(path, "flyteidl/") {
			t.Errorf("the API imports %s", path)
		}
	}
	// The service name is part of every call's path: it must stay flyteidl's
	// peer, flyteoverride.v1.
	if name := api.Services().Get(0).FullName(); name != "flyteoverride.v1.OverrideResolver" {
		t.Errorf("service %s", name)
	}
}

func TestConvertMessageBetweenFlyteidlAndTheClient(t *testing.T) {
	theirs := standinClosure(t, "training_pipeline")
	var ours corepb.CompiledWorkflowClosure
	if err := ConvertMessage(theirs, &ours); err != nil {
		t.Fatal(err)
	}
	if got := ours.GetPrimary().GetTemplate().GetNodes()[2].GetRuntimeOverride().GetName(); got != "prepare" {
		t.Errorf("node 2's hook %q after conversion, want prepare", got)
	}
	back := &core.CompiledWorkflowClosure{}
	if err := ConvertMessage(&ours, back); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(back, theirs) {
		t.Errorf("a round trip changed the closure")
	}
}
