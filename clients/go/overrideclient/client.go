package overrideclient

import (
	"context"
	"errors"
	"time"

	"flyteoverride/goclient/gen/overridepb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
)

// Client calls one Flyte Override Resolver (or several behind one name). It
// is safe for concurrent use; make one per process and Close it at the end.
type Client struct {
	conn *grpc.ClientConn
	api  overridepb.OverrideResolverClient
}

// roundRobinConfig is gRPC's service config that balances calls over every
// resolved address.
const roundRobinConfig = `{"loadBalancingConfig": [{"round_robin": {}}]}`

// Dial makes a Client. Like grpc.Dial it does not wait for a connection: a
// server that is down shows up as UNAVAILABLE on the first calls.
func Dial(opts Options) (*Client, error) {
	if opts.Target == "" {
		return nil, errors.New("overrideclient: Options.Target is empty")
	}
	retry := opts.Retry.withDefaults()
	dialOpts := []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(
			timeoutInterceptor(opts.callTimeout()),
			retryInterceptor(retry),
		),
		// gRPC waits up to 120s between reconnection attempts by default
		// and fails calls at once in between, so retries would miss a
		// server that came back until gRPC's next attempt.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff: backoff.Config{
				BaseDelay:  retry.InitialBackoff,
				Multiplier: 1.6,
				Jitter:     0.2,
				MaxDelay:   retry.MaxBackoff,
			},
			MinConnectTimeout: 20 * time.Second,
		}),
	}
	if opts.TLS != nil {
		config, err := opts.TLS.config()
		if err != nil {
			return nil, err
		}
		dialOpts = append(dialOpts, grpc.WithTransportCredentials(credentials.NewTLS(config)))
	} else {
		dialOpts = append(dialOpts, grpc.WithInsecure())
	}
	if opts.Token != nil {
		dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(bearerToken{
			source:     opts.Token,
			requireTLS: !opts.AllowTokenWithoutTLS,
		}))
	}
	if opts.RoundRobin {
		dialOpts = append(dialOpts, grpc.WithDefaultServiceConfig(roundRobinConfig))
	}
	dialOpts = append(dialOpts, opts.DialOptions...)
	conn, err := grpc.Dial(opts.Target, dialOpts...)
	if err != nil {
		return nil, err
	}
	return &Client{conn: conn, api: overridepb.NewOverrideResolverClient(conn)}, nil
}

// Close ends the client's connections.
func (c *Client) Close() error { return c.conn.Close() }

// Conn is the client's connection, with its deadline, retries and
// credentials, for calls this package does not wrap (health checks).
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// timeoutInterceptor gives a call without a deadline the default one, so a
// hung server cannot hold a FlyteAdmin request forever.
func timeoutInterceptor(timeout time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply interface{},
		cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if _, ok := ctx.Deadline(); !ok && timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}
