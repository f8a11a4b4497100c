#!/usr/bin/python3
"""The alerts as Prometheus reads them: promtool checks deploy/prometheus/alerts.yaml
and runs its unit tests (alerts_test.yaml: each alert fires, and stays silent,
when it should); the PrometheusRule in deploy/kubernetes carries exactly the
same groups; and the memory alert's threshold is 80% of the Deployment's limit.

A missing promtool is a failure, never a skip: scripts/setup.sh installs it.
Run by Bazel from the runfiles root.
"""
import os
import re
import subprocess
import sys

import yaml

PROMTOOL = "/usr/bin/promtool"
RULES = "deploy/prometheus/alerts.yaml"
RULE_TESTS = "deploy/prometheus/alerts_test.yaml"
CRD = "deploy/kubernetes/prometheusrule.yaml"
DEPLOYMENT = "deploy/kubernetes/deployment.yaml"
failures = []


def promtool(*args):
    done = subprocess.run([PROMTOOL, *args], capture_output=True, text=True,
                          timeout=120)
    print("promtool %s: exit %d" % (" ".join(args), done.returncode))
    if done.returncode != 0:
        failures.append("promtool %s:\n%s%s" % (" ".join(args), done.stdout,
                                                done.stderr))


def quantity_bytes(text):
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
    match = re.fullmatch(r"(\d+)(Ki|Mi|Gi|Ti)?", text)
    if not match:
        sys.exit("FAIL: cannot read the memory limit %r" % text)
    return int(match.group(1)) * units.get(match.group(2), 1)


def main():
    if not os.access(PROMTOOL, os.X_OK):
        sys.exit("FAIL: %s is missing (scripts/setup.sh installs prometheus)"
                 % PROMTOOL)
    promtool("check", "rules", RULES)
    # promtool resolves rule_files against the test file's directory.
    promtool("test", "rules", RULE_TESTS)

    with open(RULES) as f:
        rules = yaml.safe_load(f)
    with open(CRD) as f:
        crd = yaml.safe_load(f)
    if crd.get("apiVersion") != "monitoring.coreos.com/v1" or \
            crd.get("kind") != "PrometheusRule":
        failures.append("%s is not a monitoring.coreos.com/v1 PrometheusRule"
                        % CRD)
    if crd.get("spec", {}).get("groups") != rules["groups"]:
        failures.append("%s differs from %s: run scripts/update_prometheusrule.sh"
                        % (CRD, RULES))
    alerts = [r["alert"] for g in rules["groups"] for r in g["rules"]]
    print("alerts: %s" % ", ".join(alerts))

    with open(DEPLOYMENT) as f:
        deployment = yaml.safe_load(f)
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    limit = quantity_bytes(container["resources"]["limits"]["memory"])
    memory = [r for g in rules["groups"] for r in g["rules"]
              if r.get("alert") == "OverrideResolverMemoryNearLimit"]
    want = "> 0.8 * %d" % limit
    if len(memory) != 1 or want not in memory[0]["expr"]:
        failures.append("OverrideResolverMemoryNearLimit should say %r, for the "
                        "Deployment's limit of %d bytes" % (want, limit))

    if failures:
        sys.exit("FAIL:\n" + "\n".join(failures))
    print("PASS")


main()
