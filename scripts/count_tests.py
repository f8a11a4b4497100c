"""Counts test cases from the results of one `bazel test` run.

Usage: count_tests.py BEP_JSON_FILE TARGET...

Reads the build event file that run wrote (--build_event_json_file): each
test result names its own test.xml, so results left over from earlier runs
are never counted. Cases are counted from GoogleTest's XML (a shell test's
XML has one case). A target with no result in this run (it failed to build,
or did not run) and a run without usable XML each count as one failure, so
nothing fails silently. Prints "N passed, N failed"; exits 1 when anything
failed.
"""
import json
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET


def results(bep_path):
    """(label, status, xml path or None) for each test run in the event file."""
    with open(bep_path, encoding="utf-8") as f:
        for line in f:
            event = json.loads(line)
            label = event.get("id", {}).get("testResult", {}).get("label")
            if not label:
                continue
            result = event.get("testResult", {})
            xml = None
            for output in result.get("testActionOutput", []):
                if output.get("name") == "test.xml":
                    xml = urllib.parse.unquote(urllib.parse.urlparse(output["uri"]).path)
            yield label, result.get("status", "NO_STATUS"), xml


def count_cases(xml_path):
    """(passed, failed) in one GoogleTest XML file, or None if unusable."""
    try:
        root = ET.parse(xml_path).getroot()
    except (OSError, ET.ParseError):
        return None
    cases = list(root.iter("testcase"))
    if not cases:
        return None
    failed = sum(1 for c in cases if c.find("failure") is not None or c.find("error") is not None)
    skipped = sum(
        1 for c in cases
        if c.find("failure") is None and c.find("error") is None
        and (c.get("status", "run") != "run" or c.get("result", "completed") == "skipped"))
    return len(cases) - failed - skipped, failed


def main(bep_path, targets):
    passed = failed = 0
    seen = set()
    for label, status, xml in results(bep_path):
        seen.add(label)
        counted = count_cases(xml) if xml else None
        if counted is None:
            print(f"no test results for {label} ({status})", file=sys.stderr)
            failed += 1
            continue
        ok, bad = counted
        if status != "PASSED" and bad == 0:
            bad = 1  # a crash or timeout after the XML was written
        passed += ok
        failed += bad
    for target in targets:
        if target not in seen:
            print(f"{target} did not run (failed to build?)", file=sys.stderr)
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
