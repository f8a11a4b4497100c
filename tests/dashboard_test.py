#!/usr/bin/python3
"""The dashboard and the alerts name only metrics the server exports: every
query of deploy/grafana/override-resolver.json and every expression of
deploy/prometheus/alerts.yaml, checked against the /metrics of a real server.
A histogram is queried through its _bucket, _sum and _count series, never by
its bare name. The dashboard takes its data source as the variable
${datasource}, and shows each part operators expect.

usage: dashboard_test.py SERVER   (from the runfiles root)
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

SERVER = sys.argv[1]
TMP = os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp()
DASHBOARD = "deploy/grafana/override-resolver.json"
RULES = "deploy/prometheus/alerts.yaml"
LINE = re.compile(r"^override-resolver serving gRPC on 127\.0\.0\.1:\d+, "
                  r"HTTP on (127\.0\.0\.1:\d+), probes on 127\.0\.0\.1:\d+$")
# What operators expect to see, one metric at least for each.
EXPECTED = [
    "override_resolver_calls_total",
    "override_resolver_call_duration_seconds_bucket",
    "override_resolver_call_cpu_seconds_sum",
    "override_resolver_calls_in_flight",
    "override_resolver_calls_queued",
    "override_resolver_admission_rejections_total",
    "override_resolver_storage_operation_duration_seconds_bucket",
    "override_resolver_storage_errors_total",
    "override_resolver_policy_outcomes_total",
    "override_resolver_violations_total",
    "override_resolver_ready",
    "process_resident_memory_bytes",
    "process_cpu_seconds_total",
    "process_open_fds",
    "override_resolver_config_reloads_total",
]
KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on",
            "ignoring", "group_left", "group_right", "inf", "nan"}
failures = []


def exported_names():
    """Sample names of a real server's /metrics, from its # TYPE lines (a
    labelled family with no series yet still has one)."""
    config = os.path.join(TMP, "dashboard_test.yaml")
    with open(config, "w") as f:
        f.write("storage:\n  driver: memory\n")
    out = open(os.path.join(TMP, "server.stdout"), "w+")
    err = open(os.path.join(TMP, "server.stderr"), "w")
    proc = subprocess.Popen([SERVER, "--config", config, "--grpc-port", "0",
                             "--http-port", "0"], stdout=out, stderr=err)
    try:
        address = None
        for _ in range(300):
            out.seek(0)
            match = LINE.match(out.readline().strip())
            if match:
                address = match.group(1)
                break
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        if address is None:
            sys.exit("FAIL: the server did not start; stderr:\n"
                     + open(err.name).read()[-2000:])
        with urllib.request.urlopen("http://%s/metrics" % address,
                                    timeout=10) as response:
            text = response.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    names = set()
    for line in text.splitlines():
        match = re.match(r"# TYPE (\S+) (\S+)$", line)
        if not match:
            continue
        name, kind = match.groups()
        if kind == "histogram":
            names.update(name + s for s in ("_bucket", "_sum", "_count"))
        else:
            names.add(name)
    return names


def metric_names(expr):
    """The metric names a PromQL expression selects: identifiers that are not
    functions, keywords, label names, label values or durations."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*"
                  r"\([^)]*\)", " ", expr)  # label lists
    expr = re.sub(r"\$\{?\w+\}?", "", expr)  # Grafana variables
    names = set()
    for match in re.finditer(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        if expr[match.end():].lstrip().startswith("("):
            continue  # a function or an aggregation
        if match.group() not in KEYWORDS:
            names.add(match.group())
    return names


def check(where, expr, exported):
    names = metric_names(expr)
    if not names:
        failures.append("%s: %r selects no metric" % (where, expr))
    for name in sorted(names - exported):
        failures.append("%s: %s is not exported by the server" % (where, name))
    return names


def main():
    exported = exported_names()
    print("server exports %d sample names" % len(exported))
    # The metric-name reader itself, on the forms the files use.
    assert metric_names('histogram_quantile(0.99, sum by (rpc, le) (rate('
                        'a_bucket{job="$job",le="1"}[$__rate_interval])))'
                        ' / ignoring (code) group_left sum(b) > 0.8 * 1e3'
                        ' and on (job) c') == {"a_bucket", "b", "c"}

    with open(DASHBOARD) as f:
        dashboard = json.load(f)
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    if variables.get("datasource", {}).get("type") != "datasource":
        failures.append("no data source variable named datasource")
    used = set()
    for variable in variables.values():
        query = variable.get("query")
        match = re.match(r"label_values\((\w+)", query or "")
        if variable["type"] == "query":
            if not match:
                failures.append("variable %s: %r" % (variable["name"], query))
            else:
                check("variable " + variable["name"], match.group(1), exported)
            if variable["datasource"].get("uid") != "${datasource}":
                failures.append("variable %s: data source is not ${datasource}"
                                % variable["name"])
    for panel in dashboard["panels"]:
        where = "panel %r" % panel["title"]
        if panel.get("datasource", {}).get("uid") != "${datasource}":
            failures.append(where + ": data source is not ${datasource}")
        if not panel.get("targets"):
            failures.append(where + ": no queries")
        for target in panel.get("targets", []):
            if target.get("datasource", {}).get("uid") != "${datasource}":
                failures.append(where + ": a query's data source is not "
                                "${datasource}")
            used |= check(where, target["expr"], exported)
    for name in EXPECTED:
        if name not in used:
            failures.append("the dashboard shows no %s" % name)
    print("dashboard: %d panels, %d metrics" % (len(dashboard["panels"]),
                                                len(used)))

    with open(RULES) as f:
        rules = yaml.safe_load(f)
    for group in rules["groups"]:
        for rule in group["rules"]:
            check("alert " + rule["alert"], rule["expr"], exported)
    if failures:
        sys.exit("FAIL:\n" + "\n".join(failures))
    print("PASS")


main()
