"""What the console's browser tests share: a real override-resolver on free
loopback ports, a real headless Chromium driven by Selenium, screenshots in
the test outputs, and a runner that writes one JUnit case per test.

Debian's packages: chromium, chromium-driver, python3-selenium (installed by
scripts/setup.sh). Nothing here is skipped: a missing browser fails the run.
"""
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
import unittest
from xml.sax.saxutils import quoteattr

from selenium import webdriver
from selenium.common.exceptions import (NoSuchElementException,
                                        StaleElementReferenceException,
                                        TimeoutException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

TMP = os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp()
OUTPUTS = os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR") or TMP
CHROMIUM = os.environ.get("FO_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("FO_CHROMEDRIVER", "/usr/bin/chromedriver")
_SERVING = re.compile(r"^override-resolver serving gRPC on (127\.0\.0\.1:\d+), "
                      r"HTTP on (127\.0\.0\.1:\d+), probes on 127\.0\.0\.1:\d+$")


class Server:
    """override-resolver with its records in a SQLite file of its own."""

    def __init__(self, binary, name="server", config=""):
        self.name = name
        self.db = os.path.join(TMP, name + ".db")
        path = os.path.join(TMP, name + ".yaml")
        with open(path, "w") as f:
            f.write(config + "\nstorage: {driver: sqlite, sqlite_path: %s}\n" % self.db)
        self._out = open(os.path.join(TMP, name + ".stdout"), "w+")
        self._err = open(os.path.join(OUTPUTS, name + ".log"), "w")
        self.process = subprocess.Popen(
            [binary, "--config", path, "--grpc-port", "0", "--http-port", "0"],
            stdout=self._out, stderr=self._err)
        for _ in range(300):
            self._out.seek(0)
            match = _SERVING.match(self._out.readline().strip())
            if match:
                self.grpc, http = match.groups()
                self.url = "http://%s/" % http
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("%s did not start; see %s.log" % (name, name))

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def browser(width=1280, height=800):
    """Headless Chromium with its own profile; JavaScript errors are logged."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--disable-gpu", "--no-first-run", "--disable-extensions",
                 "--window-size=%d,%d" % (width, height),
                 "--user-data-dir=" + tempfile.mkdtemp(dir=TMP, prefix="chromium-")):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver


def javascript_errors(driver):
    """The page's console errors (uncaught exceptions, failed loads) so far."""
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE"]


def wait_until(driver, condition, timeout=15, message=""):
    """condition(driver) once it is truthy; fails the test after `timeout`.
    An element missing, or replaced while it was read (the page redraws
    tables whole), counts as not yet."""
    try:
        return WebDriverWait(
            driver, timeout, poll_frequency=0.1,
            ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
        ).until(condition)
    except TimeoutException:
        raise AssertionError("timed out after %ss waiting: %s" % (timeout, message))


def screenshot(driver, name):
    """Saves the whole page as NAME.png in the test outputs; returns its path."""
    path = os.path.join(OUTPUTS, name + ".png")
    height = driver.execute_script(
        "return Math.max(document.body.scrollHeight, window.innerHeight)")
    width = driver.get_window_size()["width"]
    driver.set_window_size(width, min(max(height + 140, 800), 4000))
    driver.save_screenshot(path)
    return path


class _Recorder(unittest.TextTestResult):
    """Keeps each test's outcome for the JUnit file; a skip is a failure."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cases = []
        self._started = 0.0

    def startTest(self, test):
        self._started = time.monotonic()
        super().startTest(test)

    def _keep(self, test, failure):
        self.cases.append((test.id(), time.monotonic() - self._started, failure))

    def addSuccess(self, test):
        super().addSuccess(test)
        self._keep(test, None)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._keep(test, "".join(traceback.format_exception(*err)))

    def addError(self, test, err):
        super().addError(test, err)
        self._keep(test, "".join(traceback.format_exception(*err)))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._keep(test, "skipped, which these tests never are: " + reason)


def run(module_name):
    """Runs the module's tests; writes XML_OUTPUT_FILE; exits 0 only if all passed."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module_name])
    result = unittest.TextTestRunner(resultclass=_Recorder, verbosity=2).run(suite)
    cases = list(result.cases)
    # A class whose setup failed has no test of its own in the list.
    for test, err in result.errors:
        if not any(case[0] == test.id() for case in cases):
            cases.append((test.id(), 0.0, err))
    xml_path = os.environ.get("XML_OUTPUT_FILE")
    if xml_path:
        with open(xml_path, "w", encoding="utf-8") as out:
            out.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites>'
                      '<testsuite name=%s>\n' % quoteattr(module_name))
            for name, seconds, failure in cases:
                out.write("<testcase name=%s time=\"%.3f\"" % (quoteattr(name), seconds))
                if failure:
                    out.write("><failure message=%s/></testcase>\n" % quoteattr(failure))
                else:
                    out.write("/>\n")
            out.write("</testsuite></testsuites>\n")
    failed = sum(1 for case in cases if case[2])
    print("%s: %d passed, %d failed" % (module_name, len(cases) - failed, failed))
    sys.exit(0 if cases and failed == 0 else 1)
