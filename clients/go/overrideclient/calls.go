package overrideclient

import (
	"context"

	"flyteoverride/goclient/gen/overridepb"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
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

// ListExecutions lists the recorded executions of a project and domain,
// newest first, one page (req.PageSize, 50 when 0, at most 500) after
// req.PageToken.
func (c *Client) ListExecutions(ctx context.Context, req *overridepb.ListExecutionsRequest,
	opts ...grpc.CallOption) (*overridepb.ListExecutionsResponse, error) {
	resp, err := c.api.ListExecutions(ctx, req, opts...)
	return resp, fromStatus(err)
}

// EachExecution calls fn for every execution ListExecutions lists from
// req's page on, page after page, until the last page or until fn returns
// an error, which it returns. Executions recorded meanwhile never repeat
// or hide an older one: each page resumes after the last one seen.
func (c *Client) EachExecution(ctx context.Context, req *overridepb.ListExecutionsRequest,
	fn func(*overridepb.ExecutionSummary) error, opts ...grpc.CallOption) error {
	page := proto.Clone(req).(*overridepb.ListExecutionsRequest)
	for {
		resp, err := c.ListExecutions(ctx, page, opts...)
		if err != nil {
			return err
		}
		for _, execution := range resp.GetExecutions() {
			if err := fn(execution); err != nil {
				return err
			}
		}
		if resp.GetNextPageToken() == "" {
			return nil
		}
		page.PageToken = resp.GetNextPageToken()
	}
}
