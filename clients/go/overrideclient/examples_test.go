package overrideclient

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"flyteoverride/goclient/gen/corepb"
	"google.golang.org/protobuf/encoding/protojson"
)

// The tests read the repository's examples/ (FO_EXAMPLES_DIR, set by
// scripts/go_test.sh): realistic closures with override maps.

func exampleFile(t *testing.T, example, file string) []byte {
	t.Helper()
	dir := os.Getenv("FO_EXAMPLES_DIR")
	if dir == "" {
		t.Fatal("FO_EXAMPLES_DIR is not set: it names the repository's examples/ (scripts/go_test.sh sets it)")
	}
	b, err := os.ReadFile(filepath.Join(dir, example, file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// exampleClosure reads an example's closure.json into the client's subset.
// The JSON has members the subset does not declare (interfaces, bindings):
// they are dropped here, as a JSON reader must.
func exampleClosure(t *testing.T, example string) *corepb.CompiledWorkflowClosure {
	t.Helper()
	closure := &corepb.CompiledWorkflowClosure{}
	options := protojson.UnmarshalOptions{DiscardUnknown: true}
	if err := options.Unmarshal(exampleFile(t, example, "closure.json"), closure); err != nil {
		t.Fatalf("%s/closure.json: %v", example, err)
	}
	return closure
}

// exampleMap reads an example's override map (launch_plan.json or
// execution.json), with the client's own reader.
func exampleMap(t *testing.T, example, file string) map[string]*corepb.TaskNodeOverrides {
	t.Helper()
	hooks, err := DecodeOverrideMap(string(exampleFile(t, example, file)))
	if err != nil {
		t.Fatalf("%s/%s: %v", example, file, err)
	}
	return hooks
}

// withoutMember returns the JSON override map text with one hook's member
// removed.
func withoutMember(t *testing.T, doc []byte, hook, member string) string {
	t.Helper()
	var m map[string]map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	delete(m[hook], member)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
