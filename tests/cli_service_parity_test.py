#!/usr/bin/python3
"""One pipeline, every surface: each bundled example resolved by overridectl
in process, by overridectl through a running server over gRPC, and over the
server's HTTP/JSON API gives the same answer (docs/design.md section 9).

In process and over gRPC, stdout, stderr and the exit status must be equal
byte for byte, with and without --json. Over HTTP, the response (or the
refusal's violations) must equal the in-process --json answer as JSON.

usage: cli_service_parity_test.py OVERRIDECTL SERVER   (from the runfiles root)
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

OVERRIDECTL, SERVER = sys.argv[1], sys.argv[2]
TMP = os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp()
LINE = re.compile(r"^override-resolver serving gRPC on (127\.0\.0\.1:\d+), "
                  r"HTTP on (127\.0\.0\.1:\d+), probes on 127\.0\.0\.1:\d+$")
failures = []
# "examples/invalid/execution.json:15: ": where overridectl read a value.
LOCATION = re.compile(r"^[^ ]+\.(json|yaml):[0-9]+: ")


def start_server(name, config_text):
    config = os.path.join(TMP, name + ".yaml")
    with open(config, "w") as f:
        f.write(config_text + "\nstorage:\n  driver: memory\n")
    out = open(os.path.join(TMP, name + ".stdout"), "w+")
    err = open(os.path.join(TMP, name + ".stderr"), "w")
    proc = subprocess.Popen([SERVER, "--config", config, "--grpc-port", "0",
                             "--http-port", "0"], stdout=out, stderr=err)
    for _ in range(300):
        out.seek(0)
        match = LINE.match(out.readline().strip())
        if match:
            return proc, match.group(1), match.group(2)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    sys.exit("FAIL: server %s did not start" % name)


def overridectl(args):
    done = subprocess.run([OVERRIDECTL, "resolve"] + args, capture_output=True,
                          text=True, timeout=120)
    return done.stdout, done.stderr, done.returncode


def flags_of(example):
    path = "examples/%s/flags" % example
    return open(path).read().split() if os.path.exists(path) else []


def http_resolve(address, example):
    def load(name):
        with open(os.path.join("examples", example, name)) as f:
            return json.load(f)
    body = {"closure": load("closure.json"),
            "launchPlanOverrides": load("launch_plan.json"),
            "executionOverrides": load("execution.json"),
            "options": {"dryRun": True, "explain": True,
                        "implicitHooks": "--implicit-hooks" in flags_of(example)}}
    request = urllib.request.Request(
        "http://%s/v1/resolve" % address, data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def check(example, grpc_address, http_address, policy):
    files = ["--closure", "examples/%s/closure.json" % example,
             "--launch-plan", "examples/%s/launch_plan.json" % example,
             "--execution", "examples/%s/execution.json" % example
             ] + flags_of(example)
    in_process_json = None
    # Both forms of --server: HOST:PORT, and the dns:/// target that
    # reaches every replica behind a headless Service.
    for mode, target in (([], grpc_address),
                         (["--json"], "dns:///" + grpc_address)):
        local = overridectl(files + ["--explain"] + mode + policy)
        remote = overridectl(files + ["--explain", "--server", target]
                             + mode)
        for what, a, b in zip(("stdout", "stderr", "exit status"), local,
                              remote):
            if a != b:
                failures.append("%s %s: %s differs in process and over gRPC:"
                                "\n--- in process\n%s\n--- gRPC\n%s"
                                % (example, mode, what, a, b))
        if mode:
            in_process_json = local
    status, answer = http_resolve(http_address, example)
    stdout, stderr, code = in_process_json
    if code == 0:
        if status != 200 or answer != json.loads(stdout):
            failures.append("%s: HTTP answered %d, not the in-process response"
                            ":\n%s" % (example, status, json.dumps(answer)))
    else:
        # A refusal: the same violations and warnings, but for the file and
        # line overridectl puts before what it read from a file.
        def brief(details, key):
            return [(v.get("reason"), v.get("field"),
                     LOCATION.sub("", v.get("description", "")))
                    for v in details.get(key, [])]
        expected = json.loads(stdout)
        for key in ("violations", "warnings"):
            if status == 200 or brief(answer, key) != brief(expected, key):
                failures.append("%s: HTTP answered %d with other %s:\n%s\n"
                                "in process:\n%s" % (
                                    example, status, key,
                                    brief(answer, key), brief(expected, key)))
    print("ok" if not failures else "checked", example, flush=True)


def main():
    examples = sorted(d for d in os.listdir("examples")
                      if os.path.exists("examples/%s/closure.json" % d))
    if len(examples) < 7:
        sys.exit("FAIL: expected the seven bundled examples, found %s" % examples)
    with open("examples/policy/policy.yaml") as f:
        policy_yaml = f.read()
    plain = start_server("plain", "")
    with_policy = start_server("policy", policy_yaml)
    try:
        for example in examples:
            if os.path.exists("examples/%s/policy.yaml" % example):
                check(example, with_policy[1], with_policy[2],
                      ["--policy", "examples/%s/policy.yaml" % example])
            else:
                check(example, plain[1], plain[2], [])
    finally:
        for proc, _, _ in (plain, with_policy):
            proc.terminate()
            proc.wait(timeout=30)
    if failures:
        sys.exit("FAIL:\n" + "\n\n".join(failures))
    print("every example answers alike in process, over gRPC and over HTTP")


main()
