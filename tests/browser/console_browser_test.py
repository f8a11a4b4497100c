#!/usr/bin/python3
"""The console in a real headless Chromium against a real server
(docs/console.md). Screenshots of each state go to the test outputs.

usage: console_browser_test.py SERVER OVERRIDECTL   (from the runfiles root)
"""
import sys
import unittest

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import harness  # noqa: E402

SERVER, OVERRIDECTL = sys.argv[1], sys.argv[2]


class ConsolePage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = harness.Server(SERVER, "console")
        cls.driver = harness.browser()

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.server.stop()

    def test_page_loads_without_javascript_errors(self):
        self.driver.get(self.server.url)
        harness.wait_until(self.driver, lambda d: d.title == "Override console",
                           message="the page's title")
        harness.screenshot(self.driver, "console-start")
        self.assertEqual(harness.javascript_errors(self.driver), [])


if __name__ == "__main__":
    del sys.argv[1:]
    harness.run(__name__)
