package overrideclient

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"flyteoverride/goclient/gen/overridepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestListExecutionsPagesNewestFirstWhileRecordsAreAdded(t *testing.T) {
	server := startServer(t, memoryConfig(""), 0)
	client := dial(t, Options{Target: server.Addr})
	ctx := testContext(t)
	record := func(name string) {
		if _, err := client.Resolve(ctx, trainingRequest(name)(t)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct creation times
	}
	for _, name := range []string{"list-1", "list-2", "list-3"} {
		record(name)
	}
	scope := &overridepb.ListExecutionsRequest{Project: "flytesnacks", Domain: "development", PageSize: 2}

	page, err := client.ListExecutions(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	if got := namesOf(page.GetExecutions()); !reflect.DeepEqual(got, []string{"list-3", "list-2"}) {
		t.Errorf("first page %v", got)
	}
	newest := page.GetExecutions()[0]
	if got := newest.GetOverriddenHooks(); !reflect.DeepEqual(got, []string{"challenger", "evaluate", "train"}) {
		t.Errorf("overridden hooks %v", got)
	}
	if !newest.GetExpiresAt().AsTime().After(newest.GetCreatedAt().AsTime()) {
		t.Errorf("expires %v, created %v", newest.GetExpiresAt(), newest.GetCreatedAt())
	}

	// A record made between pages shows up on none of the later ones.
	record("list-4")
	var rest []string
	err = client.EachExecution(ctx, &overridepb.ListExecutionsRequest{
		Project: "flytesnacks", Domain: "development", PageSize: 1, PageToken: page.GetNextPageToken(),
	}, func(e *overridepb.ExecutionSummary) error {
		rest = append(rest, e.GetExecutionId().GetName())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rest, []string{"list-1"}) {
		t.Errorf("after the first page: %v", rest)
	}

	stop := errors.New("stop")
	seen := 0
	err = client.EachExecution(ctx, scope, func(*overridepb.ExecutionSummary) error {
		seen++
		return stop
	})
	if err != stop || seen != 1 {
		t.Errorf("EachExecution returned %v after %d, want fn's error after 1", err, seen)
	}
}

func TestListExecutionsRefusesABadTokenNamingIt(t *testing.T) {
	server := startServer(t, memoryConfig(""), 0)
	client := dial(t, Options{Target: server.Addr})
	_, err := client.ListExecutions(testContext(t), &overridepb.ListExecutionsRequest{
		Project: "flytesnacks", Domain: "development", PageToken: "not-a-token",
	})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("got %v, want INVALID_ARGUMENT", err)
	}
	var refused *ViolationError
	if !errors.As(err, &refused) || len(refused.Violations) != 1 ||
		refused.Violations[0].GetReason() != "BAD_PAGE_TOKEN" {
		t.Errorf("got %v, want one BAD_PAGE_TOKEN violation", err)
	}
}

func namesOf(executions []*overridepb.ExecutionSummary) []string {
	names := make([]string, len(executions))
	for i, e := range executions {
		names[i] = e.GetExecutionId().GetName()
	}
	return names
}
