package overrideclient

import (
	"context"
	"math/rand"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// idempotentMethods are the calls that may be sent again. All four are
// idempotent by design (docs/design.md section 5.2): a repeated Resolve or
// ResolveDynamic returns the recorded answer, GetResolved and InspectWorkflow
// only read. A method added to the service later is not retried until it is
// listed here.
var idempotentMethods = map[string]bool{
	"/flyteoverride.v1.OverrideResolver/InspectWorkflow": true,
	"/flyteoverride.v1.OverrideResolver/Resolve":         true,
	"/flyteoverride.v1.OverrideResolver/GetResolved":     true,
	"/flyteoverride.v1.OverrideResolver/ResolveDynamic":  true,
}

// retryable says whether a failed call may be sent again: UNAVAILABLE, and a
// CANCELLED the caller did not cause (its context is still live), which
// gRPC C++ answers for a call that reached a replica as its shutdown began
// (grpc/grpc#41785).
func retryable(ctx context.Context, err error) bool {
	switch status.Code(err) {
	case codes.Unavailable:
		return true
	case codes.Canceled:
		return ctx.Err() == nil
	}
	return false
}

// retryInterceptor retries idempotent calls that failed with a retryable
// error, waiting longer each time, within the call's deadline.
func retryInterceptor(p RetryPolicy) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply interface{},
		cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if !idempotentMethods[method] {
			return invoker(ctx, method, req, reply, cc, opts...)
		}
		backoff := p.InitialBackoff
		for attempt := 1; ; attempt++ {
			err := invoker(ctx, method, req, reply, cc, opts...)
			if err == nil || !retryable(ctx, err) || attempt >= p.MaxAttempts {
				return err
			}
			wait := jitter(backoff)
			if p.OnRetry != nil {
				p.OnRetry(method, attempt, err, wait)
			}
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				// The last answer says more than "context done": the
				// service was unavailable all along.
				return err
			case <-timer.C:
			}
			backoff = time.Duration(float64(backoff) * p.Multiplier)
			if backoff > p.MaxBackoff {
				backoff = p.MaxBackoff
			}
		}
	}
}

// jitter spreads retries of many clients over +-20% of d, so that they do not
// all come back at the same instant.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}
