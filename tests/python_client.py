#!/usr/bin/python3
"""A real gRPC peer for the override resolver: Python grpcio + protobuf.

Run by tests/python_client_test.sh, which generates the message classes with
protoc into a directory given by --pydir, starts the server and passes its gRPC
address. No stubs are generated (there is no grpc_tools here): each RPC is a
channel.unary_unary with the messages' own (de)serializers.

Exits non-zero, naming every failed check, when the server misbehaves.
"""

import argparse
import importlib.util
import json
import os
import re
import sys

CHECKS_FAILED = []


def check(cond, what):
    if cond:
        print("ok   " + what)
    else:
        print("FAIL " + what)
        CHECKS_FAILED.append(what)
    return cond


def load_module_from_file(name, path):
    """Loads a generated *_pb2.py by path.

    grpc/health/v1/health_pb2.py cannot be imported as grpc.health.v1: the
    installed grpcio package owns the name `grpc`.
    """
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--grpc", required=True, help="HOST:PORT of the server")
    parser.add_argument("--examples", required=True, help="examples/ directory")
    parser.add_argument("--pydir", required=True,
                        help="directory holding the protoc --python_out output")
    args = parser.parse_args()

    sys.path.insert(0, args.pydir)
    import grpc
    from google.protobuf import json_format
    from flyteidl.core import identifier_pb2, tasks_pb2
    from flyteoverride.v1 import resolver_pb2
    from google.rpc import error_details_pb2, status_pb2
    health_pb2 = load_module_from_file(
        "health_pb2", os.path.join(args.pydir, "grpc", "health", "v1", "health_pb2.py"))

    channel = grpc.insecure_channel(args.grpc)
    grpc.channel_ready_future(channel).result(timeout=10)

    def rpc(method, request_cls, response_cls):
        return channel.unary_unary(
            method,
            request_serializer=request_cls.SerializeToString,
            response_deserializer=response_cls.FromString)

    def raw_rpc(method, request_cls):
        # No deserializer: the call returns the response's bytes as sent.
        return channel.unary_unary(
            method, request_serializer=request_cls.SerializeToString)

    service = "/flyteoverride.v1.OverrideResolver/"
    health_check = rpc("/grpc.health.v1.Health/Check",
                       health_pb2.HealthCheckRequest, health_pb2.HealthCheckResponse)
    resolve = rpc(service + "Resolve", resolver_pb2.ResolveRequest,
                  resolver_pb2.ResolveResponse)
    resolve_raw = raw_rpc(service + "Resolve", resolver_pb2.ResolveRequest)
    get_resolved = rpc(service + "GetResolved", resolver_pb2.GetResolvedRequest,
                       resolver_pb2.GetResolvedResponse)

    # --- Health -------------------------------------------------------------
    serving = health_pb2.HealthCheckResponse.SERVING
    for name in ("", "flyteoverride.v1.OverrideResolver"):
        reply = health_check(health_pb2.HealthCheckRequest(service=name), timeout=10)
        check(reply.status == serving,
              "health Check(%r) is SERVING (got %s)" % (
                  name, health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)))

    # --- Requests built from the examples ------------------------------------
    def read_json(example, name):
        with open(os.path.join(args.examples, example, name)) as f:
            return f.read()

    def override_map(example, name, strict):
        """Parses a {hook: TaskNodeOverrides} file into an OverrideMap."""
        hooks = json.loads(read_json(example, name))
        return json_format.Parse(json.dumps({"hooks": hooks}),
                                 resolver_pb2.OverrideMap(),
                                 ignore_unknown_fields=not strict)

    def resolve_request(example, execution_name, strict_overrides=True):
        request = resolver_pb2.ResolveRequest()
        # Closures carry flyteidl fields outside the subset: skip them.
        json_format.Parse(read_json(example, "closure.json"), request.closure,
                          ignore_unknown_fields=True)
        for name, field in (("launch_plan.json", request.launch_plan_overrides),
                            ("execution.json", request.execution_overrides)):
            for hook, overrides in override_map(example, name,
                                                strict_overrides).hooks.items():
                field[hook].CopyFrom(overrides)
        if execution_name:
            request.execution_id.CopyFrom(identifier_pb2.WorkflowExecutionIdentifier(
                project="flytesnacks", domain="development", name=execution_name))
        return request

    execution_name = "pyclient-%d" % os.getpid()
    request = resolve_request("training_pipeline", execution_name)
    check(len(request.execution_overrides) == 2 and len(request.launch_plan_overrides) == 3,
          "training_pipeline override maps parsed (launch plan %d hooks, execution %d)" % (
              len(request.launch_plan_overrides), len(request.execution_overrides)))

    # --- Resolve --------------------------------------------------------------
    response = resolve(request, timeout=20)
    paths = [n.node_path for n in response.nodes]
    check(paths == ["n0", "n1/n0", "n2/n0", "n2/n1", "n3", "n4"],
          "resolved node paths in order: %s" % paths)
    nodes = {n.node_path: n for n in response.nodes}
    check(re.fullmatch(r"[0-9a-f]{64}", response.input_digest) is not None,
          "input_digest is 64 lowercase hex characters: %r" % response.input_digest)
    check(len(response.warnings) == 0, "no warnings: %s" % list(response.warnings))

    def entries(resource_list):
        return {tasks_pb2.Resources.ResourceName.Name(e.name): e.value
                for e in resource_list}

    train = nodes.get("n1/n0")
    if check(train is not None, "n1/n0 resolved"):
        requests = entries(train.overrides.resources.requests)
        limits = entries(train.overrides.resources.limits)
        check(train.node_id == "n0", "n1/n0 node_id is n0 (%r)" % train.node_id)
        check(train.task_id.name == "ml.training.train_model",
              "n1/n0 task is ml.training.train_model (%r)" % train.task_id.name)
        check(list(train.hooks) == ["train"], "n1/n0 hooks are [train] (%s)" % list(train.hooks))
        check(requests.get("MEMORY") == "48Gi",
              "n1/n0 memory request is 48Gi (EXECUTION): %s" % requests)
        check(requests.get("CPU") == "6", "n1/n0 cpu request is 6 (DECORATOR): %s" % requests)
        check(requests.get("GPU") == "2", "n1/n0 gpu request is 2 (LAUNCH_PLAN): %s" % requests)
        check(limits.get("MEMORY") == "64Gi", "n1/n0 memory limit is 64Gi: %s" % limits)
        check("CPU" not in limits, "n1/n0 has no cpu limit: %s" % limits)
        check("resources.limits.cpu" in train.overrides.unset,
              "n1/n0 unset holds resources.limits.cpu: %s" % list(train.overrides.unset))
        check(train.overrides.environment.get("LOG_LEVEL") == "DEBUG",
              "n1/n0 environment LOG_LEVEL=DEBUG: %s" % dict(train.overrides.environment))
        check(train.overrides.HasField("retries") and train.overrides.retries == 2,
              "n1/n0 retries is 2 (DECORATOR)")
        check(train.overrides.extended_resources.gpu_accelerator.device == "nvidia-tesla-a100",
              "n1/n0 extended_resources from LAUNCH_PLAN")
    challenger = nodes.get("n2/n0")
    if check(challenger is not None, "n2/n0 resolved"):
        check(list(challenger.hooks) == ["challenger", "train"],
              "n2/n0 hooks outer to inner: %s" % list(challenger.hooks))
        check(challenger.overrides.HasField("retries") and challenger.overrides.retries == 4,
              "n2/n0 retries is 4 (LAUNCH_PLAN challenger beats DECORATOR train)")
        check(challenger.overrides.environment.get("LOG_LEVEL") == "DEBUG",
              "n2/n0 LOG_LEVEL=DEBUG (inner hook wins inside EXECUTION)")
    evaluate = nodes.get("n3")
    if check(evaluate is not None, "n3 resolved"):
        check(evaluate.overrides.HasField("cache") and evaluate.overrides.cache is False,
              "n3 cache is present and false (a value, not unset)")

    # --- Same call again: idempotent, same bytes ------------------------------
    first_bytes = resolve_raw(request, timeout=20)
    second_bytes = resolve_raw(request, timeout=20)
    check(isinstance(first_bytes, bytes) and first_bytes == second_bytes,
          "repeating the recorded Resolve returns identical bytes (%d, %d)" % (
              len(first_bytes), len(second_bytes)))
    check(first_bytes == response.SerializeToString(deterministic=True) or
          resolver_pb2.ResolveResponse.FromString(first_bytes) == response,
          "the repeat answers what the first Resolve did")

    # --- The same execution id with different inputs: ALREADY_EXISTS ----------
    changed = resolver_pb2.ResolveRequest()
    changed.CopyFrom(request)
    changed.execution_overrides["train"].environment["LOG_LEVEL"] = "WARN"
    try:
        resolve(changed, timeout=20)
        check(False, "same execution id, different inputs fails with ALREADY_EXISTS")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.ALREADY_EXISTS,
              "same execution id, different inputs: ALREADY_EXISTS (got %s)" % e.code())

    # --- GetResolved ----------------------------------------------------------
    got = get_resolved(resolver_pb2.GetResolvedRequest(
        execution_id=request.execution_id, node_path="n1/n0"), timeout=20)
    check([n.node_path for n in got.nodes] == ["n1/n0"],
          "GetResolved(n1/n0) returns that node only: %s" % [n.node_path for n in got.nodes])
    if got.nodes and train is not None:
        check(got.nodes[0] == train, "GetResolved(n1/n0) equals the resolved node")
    check(got.input_digest == response.input_digest,
          "GetResolved input_digest matches Resolve (%r)" % got.input_digest)
    every = get_resolved(resolver_pb2.GetResolvedRequest(execution_id=request.execution_id),
                         timeout=20)
    check(list(every.nodes) == list(response.nodes),
          "GetResolved without node_path returns every resolved node")
    try:
        get_resolved(resolver_pb2.GetResolvedRequest(
            execution_id=identifier_pb2.WorkflowExecutionIdentifier(
                project="flytesnacks", domain="development", name="no-such-execution")),
            timeout=20)
        check(False, "GetResolved of an unknown execution fails with NOT_FOUND")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.NOT_FOUND,
              "GetResolved of an unknown execution: NOT_FOUND (got %s)" % e.code())

    # --- Every valid example against its golden (explain, dry_run) -----------
    # expected.json is the CLI's output: the response's JSON, then a line
    # "exit status N". Python's own JSON parser reads it here.
    for example in sorted(os.listdir(args.examples)):
        golden_path = os.path.join(args.examples, example, "expected.json")
        if not os.path.isfile(golden_path):
            continue
        with open(golden_path) as f:
            golden_text = f.read()
        if not golden_text.rstrip().endswith("exit status 0"):
            continue  # an error listing (the invalid example), checked below
        golden = json_format.Parse(golden_text[:golden_text.rindex("}") + 1],
                                   resolver_pb2.ResolveResponse())
        dry = resolve_request(example, "dry-%s-%d" % (example.replace("_", "-"), os.getpid()))
        dry.options.dry_run = True
        dry.options.explain = True
        flags = os.path.join(args.examples, example, "flags")
        if os.path.isfile(flags):  # e.g. --implicit-hooks, as the CLI got it
            with open(flags) as f:
                dry.options.implicit_hooks = "--implicit-hooks" in f.read().split()
        answer = resolve(dry, timeout=20)
        check(answer == golden,
              "%s: Resolve(explain, dry_run) equals examples/%s/expected.json" % (
                  example, example))
        try:
            get_resolved(resolver_pb2.GetResolvedRequest(execution_id=dry.execution_id),
                         timeout=20)
            check(False, "%s: dry_run recorded nothing (GetResolved NOT_FOUND)" % example)
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.NOT_FOUND,
                  "%s: dry_run recorded nothing (GetResolved %s)" % (example, e.code()))

    # --- The invalid example: INVALID_ARGUMENT with every violation -----------
    # Over gRPC the client's own parser decides unknown JSON fields: parsed
    # leniently, execution.json's "timeout" is dropped and five problems remain.
    bad = resolve_request("invalid", None, strict_overrides=False)
    try:
        resolve(bad, timeout=20)
        check(False, "invalid example fails with INVALID_ARGUMENT")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.INVALID_ARGUMENT,
              "invalid example: INVALID_ARGUMENT (got %s: %s)" % (e.code(), e.details()))
        trailers = dict(e.trailing_metadata() or ())
        blob = trailers.get("grpc-status-details-bin")
        if check(isinstance(blob, bytes) and len(blob) > 0,
                 "trailing metadata carries grpc-status-details-bin"):
            status = status_pb2.Status.FromString(blob)
            check(status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0],
                  "google.rpc.Status code is 3 (%d)" % status.code)
            check(status.message == e.details(),
                  "google.rpc.Status message equals the gRPC message")
            type_urls = [d.type_url for d in status.details]
            bad_requests = [d for d in status.details
                            if d.Is(error_details_pb2.BadRequest.DESCRIPTOR)]
            if check(len(bad_requests) == 1,
                     "details include one google.rpc.BadRequest: %s" % type_urls):
                bad_request = error_details_pb2.BadRequest()
                bad_requests[0].Unpack(bad_request)
                fields = [v.field for v in bad_request.field_violations]
                check(len(fields) >= 5,
                      "BadRequest has >= 5 field violations: %d %s" % (len(fields), fields))
                for expected in ("execution_overrides[evaluate].resources.limits.memory",
                                 "execution_overrides[evaluate].retries",
                                 "execution_overrides[train].environment.1BAD-KEY",
                                 "execution_overrides[trian]"):
                    check(expected in fields, "a violation names %s" % expected)
                check(any("did you mean 'train'" in v.description
                          for v in bad_request.field_violations),
                      "the unknown hook violation suggests 'train'")
                check(any("16Gi" in v.description and "10Gi" in v.description
                          for v in bad_request.field_violations),
                      "the request-above-limit violation names both values")
            ours = [d for d in status.details
                    if d.Is(resolver_pb2.ErrorDetails.DESCRIPTOR)]
            if check(len(ours) == 1, "details include flyteoverride.v1.ErrorDetails"):
                details = resolver_pb2.ErrorDetails()
                ours[0].Unpack(details)
                reasons = sorted(v.reason for v in details.violations)
                check(reasons == sorted(["BAD_QUANTITY", "NEGATIVE_RETRIES",
                                         "BAD_ENVIRONMENT_KEY", "UNKNOWN_HOOK",
                                         "REQUEST_ABOVE_LIMIT"]),
                      "ErrorDetails reasons: %s" % reasons)

    channel.close()
    if CHECKS_FAILED:
        print("%d check(s) failed:" % len(CHECKS_FAILED))
        for what in CHECKS_FAILED:
            print("  " + what)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
