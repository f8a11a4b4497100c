package overrideclient

import (
	"context"
	"errors"
)

// tokenMetadataKey is Flyte's own header for bearer tokens: FlyteAdmin and
// propeller send it, and it passes proxies that keep "authorization" for
// themselves (docs/design.md section 11).
const tokenMetadataKey = "flyte-authorization"

// bearerToken is gRPC per-call credentials carrying a bearer token.
type bearerToken struct {
	source     TokenSource
	requireTLS bool
}

func (b bearerToken) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	token, err := b.source(ctx)
	if err != nil {
		return nil, err
	}
	if token == "" {
		return nil, errors.New("overrideclient: the token source returned an empty token")
	}
	return map[string]string{tokenMetadataKey: "Bearer " + token}, nil
}

func (b bearerToken) RequireTransportSecurity() bool { return b.requireTLS }
