package overrideclient

import (
	"context"
	"errors"
	"fmt"

	"flyteoverride/goclient/gen/overridepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Execution is what FlyteAdmin knows of an execution when it is about to
// build the workflow: its id and its annotations (which carry the override
// maps, see LaunchPlanOverridesAnnotation and ExecutionOverridesAnnotation).
type Execution struct {
	ID          ExecutionID
	Annotations map[string]string
	// FailOpen runs the closure as it came when the service stays
	// unavailable (UNAVAILABLE after every retry, or no answer before the
	// deadline): the execution then runs without its overrides, and the
	// result says so. Off, such an execution fails. Refusals for what the
	// request holds fail either way.
	FailOpen bool
	// WarnUnknownHooks makes an override for a hook the closure does not
	// declare a warning (in Response.Warnings) instead of a refusal. A child
	// execution started by a launch-plan node gets its parent's annotations,
	// so the parent's maps may name hooks the child does not have.
	WarnUnknownHooks bool
	// ImplicitHooks also addresses every task node by the name flytekit
	// gave it (NodeMetadata.name), so that workflows registered without
	// hooks can be overridden; the operator's policy may turn it on too.
	ImplicitHooks bool
}

// ExecutionResult is a resolved execution.
type ExecutionResult struct {
	// Closure is the rewritten closure in the wire format, or, when
	// FailedOpen, the closure that was given.
	Closure []byte
	// FailedOpen says the service was unavailable and Closure is the
	// original; Unavailable is why.
	FailedOpen  bool
	Unavailable error
	// Response is the service's answer (the resolved nodes, warnings,
	// template copies, input digest); nil when FailedOpen.
	Response *overridepb.ResolveResponse
}

// ResolveExecution resolves an execution for FlyteAdmin's WorkflowExecutor:
// it reads the override maps from the annotations, calls Resolve with
// rewrite_closure under the execution's id (so the result is recorded for
// propeller; a zero ID records nothing), and returns the rewritten closure. closure is a flyteidl
// CompiledWorkflowClosure in the wire format; what the resolver's subset does
// not declare is carried through.
//
// The error is an *AnnotationError for override documents that do not parse,
// a *ViolationError when the service refused the maps or the closure (every
// violation is in its text), or the status error of a call that failed
// otherwise (unless FailOpen applies).
func (c *Client) ResolveExecution(ctx context.Context, closure []byte, exec Execution) (*ExecutionResult, error) {
	maps, err := DecodeOverrideAnnotations(exec.Annotations)
	if err != nil {
		return nil, err
	}
	parsed, err := ClosureFromBytes(closure)
	if err != nil {
		return nil, err
	}
	request := &overridepb.ResolveRequest{
		Closure:             parsed,
		LaunchPlanOverrides: maps.LaunchPlan,
		ExecutionOverrides:  maps.Execution,
		Options:             resolveOptions(exec),
	}
	if exec.ID != (ExecutionID{}) {
		request.ExecutionId = exec.ID.proto()
	}
	resp, err := c.Resolve(ctx, request)
	if err != nil {
		if exec.FailOpen && serviceUnavailable(ctx, err) {
			return &ExecutionResult{Closure: closure, FailedOpen: true, Unavailable: err}, nil
		}
		return nil, err
	}
	if resp.GetRewrittenClosure() == nil {
		return nil, errors.New("overrideclient: the service answered without a rewritten closure")
	}
	rewritten, err := proto.Marshal(resp.GetRewrittenClosure())
	if err != nil {
		return nil, fmt.Errorf("overrideclient: marshal the rewritten closure: %w", err)
	}
	return &ExecutionResult{Closure: rewritten, Response: resp}, nil
}

// ResolveExecutionMessage is ResolveExecution for a closure held as a
// message, such as flyteidl's *core.CompiledWorkflowClosure (a message of the
// older github.com/golang/protobuf API goes through proto.MessageV2 first).
// The rewritten closure comes back as a new message of the same type; when
// the call failed open, it is closure itself.
func (c *Client) ResolveExecutionMessage(ctx context.Context, closure proto.Message, exec Execution) (proto.Message, *ExecutionResult, error) {
	in, err := proto.Marshal(closure)
	if err != nil {
		return nil, nil, fmt.Errorf("overrideclient: marshal the closure: %w", err)
	}
	result, err := c.ResolveExecution(ctx, in, exec)
	if err != nil {
		return nil, nil, err
	}
	if result.FailedOpen {
		return closure, result, nil
	}
	out := closure.ProtoReflect().New().Interface()
	if err := proto.Unmarshal(result.Closure, out); err != nil {
		return nil, nil, fmt.Errorf("overrideclient: unmarshal the rewritten closure: %w", err)
	}
	return out, result, nil
}

func resolveOptions(exec Execution) *overridepb.ResolveOptions {
	options := &overridepb.ResolveOptions{
		RewriteClosure: true,
		ImplicitHooks:  exec.ImplicitHooks,
	}
	if exec.WarnUnknownHooks {
		options.UnknownHooks = overridepb.UnknownHooks_UNKNOWN_HOOKS_WARN
	}
	return options
}

// serviceUnavailable tells a service that could not answer from one that
// answered no: only the first may fail open. A caller that gave up (its
// context was cancelled) is neither.
func serviceUnavailable(ctx context.Context, err error) bool {
	if errors.Is(ctx.Err(), context.Canceled) {
		return false
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
		return true
	}
	return false
}
