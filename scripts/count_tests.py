"""Counts test cases from the GoogleTest XML of the given Bazel test targets.

Prints "N passed, N failed". A target that ran but left no usable XML (a
crash before GoogleTest wrote it) counts as one failure, so nothing fails
silently. Exits 1 when anything failed.
"""
import os
import sys
import xml.etree.ElementTree as ET


def main(testlogs, targets):
    passed = failed = 0
    for target in targets:
        package, _, name = target.lstrip("/").partition(":")
        path = os.path.join(testlogs, package, name, "test.xml")
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError):
            print(f"no test results for {target}", file=sys.stderr)
            failed += 1
            continue
        suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
        cases = [case for suite in suites for case in suite.iter("testcase")]
        if not cases:
            print(f"no test cases in {target}", file=sys.stderr)
            failed += 1
            continue
        for case in cases:
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.get("status", "run") == "run" and case.get("result", "completed") != "skipped":
                passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
