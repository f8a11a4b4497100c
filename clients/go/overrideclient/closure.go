package overrideclient

import (
	"fmt"

	"flyteoverride/goclient/gen/corepb"
	"google.golang.org/protobuf/proto"
)

// ExecutionID names an execution, as flyteidl's WorkflowExecutionIdentifier
// does. It is the key of the execution's record.
type ExecutionID struct {
	Project string
	Domain  string
	Name    string
	// Org is part of the key when the execution has one.
	Org string
}

func (id ExecutionID) proto() *corepb.WorkflowExecutionIdentifier {
	return &corepb.WorkflowExecutionIdentifier{
		Project: id.Project, Domain: id.Domain, Name: id.Name, Org: id.Org,
	}
}

func (id ExecutionID) String() string {
	return fmt.Sprintf("%s/%s/%s", id.Project, id.Domain, id.Name)
}

// ClosureFromBytes reads a flyteidl CompiledWorkflowClosure in the wire
// format into the client's copy of the subset. The fields the subset does not
// declare are kept as unknown fields and sent on as they came, so the service
// can carry them into a rewritten closure.
func ClosureFromBytes(b []byte) (*corepb.CompiledWorkflowClosure, error) {
	closure := &corepb.CompiledWorkflowClosure{}
	if err := proto.Unmarshal(b, closure); err != nil {
		return nil, fmt.Errorf("overrideclient: closure bytes: %w", err)
	}
	return closure, nil
}

// ConvertMessage copies src into dst through the wire format. The two may be
// of different Go types with the same field numbers: flyteidl's
// *core.CompiledWorkflowClosure and corepb's, or a corepb.TaskNodeOverrides
// and flyteidl's (which keeps fields 5 and up as unknown fields). dst is
// reset first.
func ConvertMessage(src, dst proto.Message) error {
	b, err := proto.Marshal(src)
	if err != nil {
		return fmt.Errorf("overrideclient: marshal %s: %w", src.ProtoReflect().Descriptor().FullName(), err)
	}
	proto.Reset(dst)
	if err := proto.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("overrideclient: unmarshal %s: %w", dst.ProtoReflect().Descriptor().FullName(), err)
	}
	return nil
}
