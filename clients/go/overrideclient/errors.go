package overrideclient

import (
	"fmt"
	"strings"

	"flyteoverride/goclient/gen/overridepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// errorDetailsType is the type URL suffix of the detail that carries every
// violation of a refused call (docs/design.md section 5.1).
const errorDetailsType = "/flyteoverride.v1.ErrorDetails"

// ViolationError is a call the service refused for what the request holds:
// bad values, an unusable closure, a limit passed. The same request always
// gets the same refusal, so it is never retried. Use errors.As to get it.
type ViolationError struct {
	// Code is the gRPC code: INVALID_ARGUMENT, FAILED_PRECONDITION or
	// RESOURCE_EXHAUSTED.
	Code codes.Code
	// Message is the server's status message.
	Message string
	// Violations lists every problem, each with the field it is about.
	Violations []*overridepb.Violation
	// Warnings are what a successful call would also have reported.
	Warnings []*overridepb.Violation

	status *status.Status
}

// Error names the code and every violation's field and description, so a
// refused execution shows the user everything to fix at once.
func (e *ViolationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "override resolver refused the request (%s): ", e.Code)
	if len(e.Violations) == 0 {
		b.WriteString(e.Message)
	}
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteString("; ")
		}
		if v.GetField() != "" {
			b.WriteString(v.GetField())
			b.WriteString(": ")
		}
		b.WriteString(v.GetDescription())
	}
	return b.String()
}

// GRPCStatus keeps status.Code and status.FromError working on the error,
// with the server's details.
func (e *ViolationError) GRPCStatus() *status.Status { return e.status }

// fromStatus turns a status that carries flyteoverride.v1.ErrorDetails into a
// *ViolationError and leaves every other error as it is.
func fromStatus(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	for _, detail := range st.Proto().GetDetails() {
		if !strings.HasSuffix(detail.GetTypeUrl(), errorDetailsType) {
			continue
		}
		details := &overridepb.ErrorDetails{}
		if proto.Unmarshal(detail.GetValue(), details) != nil {
			return err
		}
		return &ViolationError{
			Code:       st.Code(),
			Message:    st.Message(),
			Violations: details.GetViolations(),
			Warnings:   details.GetWarnings(),
			status:     st,
		}
	}
	return err
}
