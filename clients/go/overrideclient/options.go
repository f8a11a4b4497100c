package overrideclient

import (
	"context"
	"time"

	"google.golang.org/grpc"
)

// Options configure a Client. The zero value of every field but Target is a
// working default.
type Options struct {
	// Target is a gRPC target: "host:port", or "dns:///host:port" to resolve
	// every address behind a name (several replicas behind a headless
	// Kubernetes service).
	Target string
	// RoundRobin spreads calls over every address the name resolver returns
	// instead of gRPC's default, which sticks to the first that answers.
	RoundRobin bool
	// TLS turns TLS on; nil means plaintext.
	TLS *TLSOptions
	// Token, when set, is asked for a bearer token before every call; the
	// token goes in the "flyte-authorization" metadata key as
	// "Bearer <token>".
	Token TokenSource
	// AllowTokenWithoutTLS sends the token over plaintext too (a sidecar on
	// loopback, a mesh that encrypts). Without it, a call with a token over
	// plaintext fails rather than leak the token.
	AllowTokenWithoutTLS bool
	// CallTimeout bounds a call, retries included, when the caller's context
	// has no deadline of its own. Zero means 30s; negative means none.
	CallTimeout time.Duration
	// Retry says how calls are retried on UNAVAILABLE (and CANCELLED).
	Retry RetryPolicy
	// DialOptions are added after the client's own (interceptors for tracing
	// or metrics, message size limits).
	DialOptions []grpc.DialOption
}

// TLSOptions name PEM files for TLS and mutual TLS.
type TLSOptions struct {
	// CAFile holds the CA certificates the server's certificate must chain
	// to; empty means the system's roots.
	CAFile string
	// CertFile and KeyFile are the client's certificate and key, for a server
	// that asks for one (mutual TLS). Both or neither.
	CertFile string
	KeyFile  string
	// ServerName is the name checked in the server's certificate when it is
	// not the target's host.
	ServerName string
}

// TokenSource returns the bearer token for one call. It is called before
// every call, so it may refresh an expiring token.
type TokenSource func(ctx context.Context) (string, error)

// StaticToken is a TokenSource that always returns token.
func StaticToken(token string) TokenSource {
	return func(context.Context) (string, error) { return token, nil }
}

// RetryPolicy says how often and how patiently a call is retried. Retried
// are UNAVAILABLE, which the server answers when nothing was written
// (storage down, shutting down) or the call never reached it, and a
// CANCELLED the caller did not cause, which a replica answers to a call
// that reached it as its shutdown began. Every other code is the same on a
// second try (docs/design.md section 5.2).
type RetryPolicy struct {
	// MaxAttempts counts every attempt, the first included. Zero means 5;
	// 1 turns retries off.
	MaxAttempts int
	// InitialBackoff is the wait before the first retry (zero: 200ms); each
	// later wait is Multiplier (zero: 2) times longer, up to MaxBackoff
	// (zero: 5s), with 20% jitter. Reconnection to a server that went away
	// follows the same bounds, so a server that comes back is found within
	// one backoff.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	Multiplier     float64
	// OnRetry, when set, is told of every retry before its wait, for logs and
	// metrics.
	OnRetry func(method string, attempt int, err error, wait time.Duration)
}

const (
	defaultCallTimeout    = 30 * time.Second
	defaultMaxAttempts    = 5
	defaultInitialBackoff = 200 * time.Millisecond
	defaultMaxBackoff     = 5 * time.Second
	defaultMultiplier     = 2.0
)

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = defaultMaxAttempts
	}
	if p.InitialBackoff <= 0 {
		p.InitialBackoff = defaultInitialBackoff
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = defaultMaxBackoff
	}
	if p.MaxBackoff < p.InitialBackoff {
		p.MaxBackoff = p.InitialBackoff
	}
	if p.Multiplier < 1 {
		p.Multiplier = defaultMultiplier
	}
	return p
}

func (o Options) callTimeout() time.Duration {
	switch {
	case o.CallTimeout == 0:
		return defaultCallTimeout
	case o.CallTimeout < 0:
		return 0
	}
	return o.CallTimeout
}
