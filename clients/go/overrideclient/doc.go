// Package overrideclient is the Go client of the Flyte Override Resolver
// (gRPC service flyteoverride.v1.OverrideResolver, docs/design.md section 5),
// for FlyteAdmin and FlytePropeller.
//
// It gives typed calls for every RPC over plaintext, TLS or mutual TLS, with a
// bearer token, a default deadline, and retries with backoff on UNAVAILABLE
// and on a CANCELLED the caller did not cause (every RPC of the service is
// idempotent by design). On top of them:
//
//   - ResolveExecution and ResolveExecutionMessage, for FlyteAdmin's
//     WorkflowExecutor: read the override maps from an execution's
//     annotations, call Resolve with rewrite_closure, and hand back the
//     rewritten closure, or a *ViolationError listing every violation.
//   - NodeCache, for FlytePropeller: GetResolved of one node, remembered per
//     execution.
//
// Closures cross the API as wire-format bytes or as any proto.Message, so a
// caller passes its own flyteidl *core.CompiledWorkflowClosure. The client's
// copy of the flyteidl subset (package corepb) is registered under a private
// proto package, so it links beside flyteidl's Go packages without a
// registration conflict.
package overrideclient
