package overrideclient

import (
	"context"

	"flyteoverride/goclient/gen/overridepb"
	"google.golang.org/grpc"
)

// The typed calls. A refusal that carries violations comes back as a
// *ViolationError (status.Code still works on it); any other failure is the
// gRPC status error.

// InspectWorkflow lists the hooks a closure declares, what they cover, and
// the closure's diagnostics.
func (c *Client) InspectWorkflow(ctx context.Context, req *overridepb.InspectWorkflowRequest,
	opts ...grpc.CallOption) (*overridepb.InspectWorkflowResponse, error) {
	resp, err := c.api.InspectWorkflow(ctx, req, opts...)
	return resp, fromStatus(err)
}

// Resolve resolves launch-plan and execution override maps; with an
// execution id and without dry_run it records the result.
func (c *Client) Resolve(ctx context.Context, req *overridepb.ResolveRequest,
	opts ...grpc.CallOption) (*overridepb.ResolveResponse, error) {
	resp, err := c.api.Resolve(ctx, req, opts...)
	return resp, fromStatus(err)
}

// GetResolved reads a recorded result, for one node path or all.
func (c *Client) GetResolved(ctx context.Context, req *overridepb.GetResolvedRequest,
	opts ...grpc.CallOption) (*overridepb.GetResolvedResponse, error) {
	resp, err := c.api.GetResolved(ctx, req, opts...)
	return resp, fromStatus(err)
}

// ResolveDynamic resolves the nodes a dynamic task produced under a recorded
// execution.
func (c *Client) ResolveDynamic(ctx context.Context, req *overridepb.ResolveDynamicRequest,
	opts ...grpc.CallOption) (*overridepb.ResolveDynamicResponse, error) {
	resp, err := c.api.ResolveDynamic(ctx, req, opts...)
	return resp, fromStatus(err)
}
