#!/usr/bin/python3
"""The console in a real headless Chromium against a real server
(docs/console.md). Each test is something a user does and sees; each saves a
screenshot of the state it reached to the test outputs.

usage: console_browser_test.py SERVER OVERRIDECTL   (from the runfiles root)
"""
import json
import os
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import harness  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

SERVER, OVERRIDECTL = sys.argv[1], sys.argv[2]
EXAMPLES = "examples"
BINARY_SEED = "fuzz/corpus/grpc_request_fuzzer/ex_training_pipeline.inspect.pb"
HOOKS = {
    "training_pipeline": ["challenger", "deploy", "evaluate", "prepare", "train"],
    "nested_branches": ["ingest", "large", "medium", "small", "spark"],
    "map_task": ["shard"],
    "reference_workflow": ["fetch", "load", "score"],
}


def read_example(name, file):
    with open(os.path.join(EXAMPLES, name, file), encoding="utf-8") as f:
        return json.load(f)


def call(server, method, path, body=None):
    """The JSON API straight from the test: (status, parsed body)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url.rstrip("/") + path, data=data, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, {"message": text.decode(errors="replace")}


def network_noise(message):
    # Chromium logs every non-2xx answer as an error; the page shows those
    # itself, so only script errors count here.
    return "Failed to load resource" in message


class Page:
    """One browser on the console, with the steps tests share."""

    def __init__(self, server, width=1280, height=800):
        self.server = server
        self.driver = harness.browser(width, height)

    def quit(self):
        self.driver.quit()

    def by_id(self, element_id):
        return self.driver.find_element(By.ID, element_id)

    def css(self, selector):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def script_errors(self):
        return [m for m in harness.javascript_errors(self.driver) if not network_noise(m)]

    def open_example(self, name, project="", domain="", implicit=False):
        with open(os.path.join(EXAMPLES, name, "closure.json"), encoding="utf-8") as f:
            text = f.read()
        self.driver.get(self.server.url)
        harness.wait_until(self.driver, lambda d: d.find_elements(By.ID, "closure-text"), message="the open form")
        # Typing 26 kB key by key takes minutes; pasting is what users do.
        self.driver.execute_script("document.getElementById('closure-text').value = arguments[0]", text)
        if project:
            self.by_id("project").send_keys(project)
        if domain:
            self.by_id("domain").send_keys(domain)
        if implicit:
            self.by_id("implicit-hooks").click()
        self.by_id("open-button").click()
        self.wait_status("open-status")
        return self

    def wait_status(self, element_id, want=None):
        def settled(d):
            node = d.find_element(By.ID, element_id)
            classes = node.get_attribute("class").split()
            if "ok" in classes or "error" in classes:
                return classes
            return None
        classes = harness.wait_until(self.driver, settled, message="#%s to settle" % element_id)
        if want:
            self.assertState(element_id, want)
        return classes

    def assertState(self, element_id, want):
        node = self.by_id(element_id)
        if want not in node.get_attribute("class").split():
            raise AssertionError("#%s is %r: %s" % (element_id, node.get_attribute("class"), node.text))

    def type(self, element_id, text, clear=True):
        element = self.by_id(element_id)
        if clear:
            element.clear()
        element.send_keys(text)
        return element

    def wait_preview(self):
        """The preview after the debounce and the server's answer."""
        harness.wait_until(self.driver, lambda d: "loading" not in d.find_element(By.ID, "preview-status").get_attribute("class").split(),
                           message="the preview to settle")
        return self.by_id("preview-status")

    def row(self, node_path, field):
        rows = self.css('#preview-nodes details[data-node="%s"] tr[data-field="%s"]' % (node_path, field))
        if not rows:
            raise AssertionError("no preview row %s %s" % (node_path, field))
        return rows[0]

    def screenshot(self, name):
        return harness.screenshot(self.driver, name)


class ConsoleTest(unittest.TestCase):
    """A server per class, a fresh browser per test."""

    config = ""

    @classmethod
    def setUpClass(cls):
        cls.server = harness.Server(SERVER, cls.__name__.lower(), cls.config)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        self.page = Page(self.server)

    def tearDown(self):
        errors = self.page.script_errors()
        self.page.quit()
        self.assertEqual(errors, [], "JavaScript errors on the page")


class OpeningWorkflows(ConsoleTest):
    def check_example(self, name):
        page = self.page.open_example(name)
        page.assertState("open-status", "ok")
        cards = [c.get_attribute("data-hook") for c in page.css("#hook-cards article.card")]
        self.assertEqual(cards, HOOKS[name])
        legend = [li.get_attribute("data-hook") for li in page.css("#legend li")]
        self.assertEqual(legend, HOOKS[name])
        inspected = call(self.server, "POST", "/v1/inspect", {"closure": read_example(name, "closure.json")})[1]
        for hook in inspected["hooks"]:
            for path in hook["nodePaths"]:
                node = page.css('#graph g.node[data-path="%s"]' % path)
                self.assertTrue(node, "graph node %s" % path)
                self.assertIn("covered", node[0].get_attribute("class"))
                self.assertIn(hook["name"], node[0].get_attribute("data-hooks").split())
            covers = page.css("#hook-%s dd.covers" % hook["name"].replace(".", "\\."))[0].text
            self.assertEqual(covers, ", ".join(hook["nodePaths"]))
        self.assertIn("ok", page.wait_preview().get_attribute("class"))
        page.screenshot("open-" + name)
        return page

    def test_training_pipeline_hooks_and_graph(self):
        page = self.check_example("training_pipeline")
        unlabelled = page.driver.execute_script(
            "return [...document.querySelectorAll('input, select, textarea')]"
            ".filter((e) => e.labels.length === 0).map((e) => e.id || e.outerHTML)")
        self.assertEqual(unlabelled, [], "every input has a <label>")
        # n1/n1 is a task node no hook covers: drawn, not highlighted.
        uncovered = page.css('#graph g.node[data-path="n1/n1"]')[0]
        self.assertNotIn("covered", uncovered.get_attribute("class"))
        self.assertEqual(len(page.css("#graph g.node.kind-subworkflow")), 2)
        self.assertEqual(len(page.css("#preview-nodes details.node")), 6)

    def test_nested_branches_draws_arms_as_nested_boxes(self):
        page = self.check_example("nested_branches")
        self.assertEqual(len(page.css("#graph g.node.kind-branch")), 2)
        spark = page.css('#graph g.node[data-path="n1-n1-n1"]')[0]
        self.assertEqual(spark.get_attribute("data-hooks").split(), ["ingest", "large", "spark", "spark"])

    def test_map_task_array_node(self):
        page = self.check_example("map_task")
        self.assertEqual(len(page.css("#graph g.node.kind-array")), 1)
        self.assertIn("n1", page.by_id("hook-shard").text)

    def test_reference_workflow_placeholders_are_the_authors_defaults(self):
        page = self.check_example("reference_workflow")
        self.assertTrue(page.css('#graph g.node.kind-gate[data-path="n3"]'))
        self.assertTrue(page.css('#graph g.node.kind-launchplan[data-path="n4"]'))
        # The primary's runtimeOverrideDefaults beat the node's (12Gi over 8Gi).
        memory = page.by_id("in-execution-score-resources.requests.memory")
        self.assertEqual(memory.get_attribute("placeholder"), "12Gi")
        self.assertIn("set by workflow (primary)", page.by_id("hook-score").text)

    def test_implicit_hooks_name_every_task_node(self):
        page = self.page.open_example("implicit_hooks", implicit=True)
        page.assertState("open-status", "ok")
        cards = [c.get_attribute("data-hook") for c in page.css("#hook-cards article.card")]
        for name in ["train_model", "evaluate_model", "prepare_data", "deploy_model"]:
            self.assertIn(name, cards)
        self.assertIn("implicit", page.by_id("hook-train_model").text)
        page.type("in-execution-train_model-resources.limits.memory", "40Gi")
        page.wait_preview()
        row = page.row("n1/n0", "resources.limits.memory")
        self.assertEqual(row.get_attribute("data-layer"), "EXECUTION")
        self.assertIn("implicit hook train_model", row.text)
        page.screenshot("implicit-hooks")

    def test_a_binary_closure_file_opens_as_its_json_does(self):
        # The fuzz seed is an InspectWorkflowRequest: field 1, the closure's
        # bytes behind a tag and a varint length.
        with open(BINARY_SEED, "rb") as f:
            request = f.read()
        self.assertEqual(request[0], 0x0A)
        length, shift, at = 0, 0, 1
        while True:
            length |= (request[at] & 0x7F) << shift
            shift += 7
            at += 1
            if request[at - 1] < 0x80:
                break
        path = os.path.join(harness.TMP, "training_pipeline.pb")
        with open(path, "wb") as f:
            f.write(request[at:at + length])
        page = self.page
        page.driver.get(self.server.url)
        harness.wait_until(page.driver, lambda d: d.find_elements(By.ID, "closure-file"), message="the open form")
        page.by_id("closure-file").send_keys(path)
        page.by_id("open-button").click()
        page.wait_status("open-status", "ok")
        cards = sorted(c.get_attribute("data-hook") for c in page.css("#hook-cards article.card"))
        paths = sorted(n.get_attribute("data-path") for n in page.css("#graph g.node"))
        self.assertIn("ok", page.wait_preview().get_attribute("class"))
        page.screenshot("open-binary")
        page.open_example("training_pipeline")
        page.assertState("open-status", "ok")
        self.assertEqual(cards, sorted(c.get_attribute("data-hook") for c in page.css("#hook-cards article.card")))
        self.assertEqual(paths, sorted(n.get_attribute("data-path") for n in page.css("#graph g.node")))
        self.assertGreater(len(cards), 0)

    def test_a_closure_that_is_not_json_is_refused_at_once(self):
        page = self.page
        page.driver.get(self.server.url)
        page.type("closure-text", "{not json")
        page.by_id("open-button").click()
        page.wait_status("open-status", "error")
        self.assertIn("not JSON", page.by_id("open-status").text)
        page.screenshot("open-not-json")


def expected(name):
    """The example's expected.json: overridectl's answer, then its exit status."""
    with open(os.path.join(EXAMPLES, name, "expected.json"), encoding="utf-8") as f:
        return json.JSONDecoder().raw_decode(f.read())[0]


def same_order(value):
    """Resource entries sorted by name: the form writes them in its own order."""
    if isinstance(value, dict):
        return {k: same_order(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [same_order(v) for v in value]
        if all(isinstance(v, dict) and set(v) == {"name", "value"} for v in items):
            items.sort(key=lambda v: v["name"])
        return items
    return value


class OpeningMaps(ConsoleTest):
    def open_with_maps(self, name, implicit=False):
        page = self.page
        page.driver.get(self.server.url)
        harness.wait_until(page.driver, lambda d: d.find_elements(By.ID, "lp-file"), message="the open form")
        page.by_id("closure-file").send_keys(os.path.abspath(os.path.join(EXAMPLES, name, "closure.json")))
        page.by_id("lp-file").send_keys(os.path.abspath(os.path.join(EXAMPLES, name, "launch_plan.json")))
        page.by_id("ex-file").send_keys(os.path.abspath(os.path.join(EXAMPLES, name, "execution.json")))
        if implicit:
            page.by_id("implicit-hooks").click()
        page.by_id("open-button").click()
        page.wait_status("open-status", "ok")
        self.assertIn("ok", page.wait_preview().get_attribute("class"))
        return page

    def test_the_examples_maps_preview_as_overridectl_resolved_them(self):
        for name, implicit in [("map_task", False), ("nested_branches", False), ("reference_workflow", False),
                               ("implicit_hooks", True)]:
            page = self.open_with_maps(name, implicit)
            answer = page.driver.execute_script("return window.consoleApp.lastAnswer")
            want = expected(name)
            self.assertEqual([n["nodePath"] for n in answer["nodes"]], [n["nodePath"] for n in want["nodes"]], name)
            for mine, theirs in zip(answer["nodes"], want["nodes"]):
                for member in ("hooks", "overrides", "effective"):
                    self.assertEqual(same_order(mine.get(member)), same_order(theirs.get(member)), "%s %s %s" % (name, mine["nodePath"], member))
            page.screenshot("open-maps-" + name)

    def test_a_map_member_the_form_cannot_edit_is_named(self):
        page = self.open_with_maps("training_pipeline")
        self.assertIn("launch_plan_overrides[train].extendedResources", page.by_id("open-status").text)
        self.assertEqual(page.by_id("in-execution-train-resources.requests.memory").get_attribute("value"), "48Gi")
        self.assertTrue(page.by_id("in-execution-train-resources.limits.cpu-unset").is_selected())


class LivePreview(ConsoleTest):
    def test_typing_an_override_shows_its_layer_and_the_change(self):
        page = self.page.open_example("training_pipeline")
        page.wait_preview()
        self.assertEqual(page.row("n1/n0", "resources.requests.memory").get_attribute("data-layer"), "DECORATOR")
        # Below the task's 32Gi limit, so the request stays valid.
        page.type("in-execution-train-resources.requests.memory", "20Gi")
        page.wait_preview()
        row = page.row("n1/n0", "resources.requests.memory")
        self.assertEqual(row.get_attribute("data-layer"), "EXECUTION")
        self.assertIn("20Gi", row.text)
        self.assertIn("was 24Gi", row.text)
        # The graph marks the nodes the maps change, and only those.
        changed = [g.get_attribute("data-path") for g in page.css("#graph g.node.changed")]
        self.assertEqual(changed, ["n1/n0", "n2/n0"])
        # The shadowed values are on the value's title, for hover and focus.
        shadow = row.find_element(By.CSS_SELECTOR, ".has-shadow").get_attribute("title")
        self.assertIn("24Gi (DECORATOR hook train @ n1/n0)", shadow)
        # A launch-plan value under the execution's does not win.
        page.type("in-launchPlan-train-resources.requests.memory", "28Gi")
        page.wait_preview()
        self.assertEqual(page.row("n2/n0", "resources.requests.memory").get_attribute("data-layer"), "EXECUTION")
        page.screenshot("preview-execution-layer")

    def test_a_bad_quantity_is_shown_at_its_field_and_the_preview_is_not_valid(self):
        page = self.page.open_example("training_pipeline")
        page.wait_preview()
        field = page.type("in-execution-train-resources.limits.cpu", "12 cores")
        status = page.wait_preview()
        self.assertIn("error", status.get_attribute("class"))
        self.assertIn("NOT valid", status.text)
        self.assertEqual(field.get_attribute("aria-invalid"), "true")
        message = page.by_id("in-execution-train-resources.limits.cpu-msg").text
        self.assertIn('invalid quantity "12 cores"', message)
        self.assertIn("msg", field.get_attribute("aria-describedby"))
        # No stale table pretends the values would run.
        self.assertEqual(page.css("#preview-nodes details.node"), [])
        page.screenshot("preview-bad-quantity")
        field.clear()
        field.send_keys("12")
        self.assertIn("ok", page.wait_preview().get_attribute("class"))
        self.assertIsNone(field.get_attribute("aria-invalid"))

    def test_task_config_that_is_not_json_is_marked_without_a_call(self):
        page = self.page.open_example("training_pipeline")
        page.wait_preview()
        field = page.type("in-launchPlan-train-task_config", '{"workerReplicas": ')
        status = page.wait_preview()
        self.assertIn("NOT valid", status.text)
        self.assertEqual(field.get_attribute("aria-invalid"), "true")
        self.assertIn("not JSON", page.by_id("in-launchPlan-train-task_config-msg").text)

    def test_keyboard_only_from_the_graph_to_a_value(self):
        page = self.page.open_example("training_pipeline")
        page.wait_preview()
        page.by_id("open-button").send_keys("")  # focus where the user pressed Open
        active = None
        for _ in range(40):
            page.driver.switch_to.active_element.send_keys(Keys.TAB)
            active = page.driver.switch_to.active_element
            if active.get_attribute("data-path") == "n4":
                break
        self.assertEqual(active.get_attribute("data-path"), "n4", "tab reaches the graph's deploy node")
        detail = page.by_id("graph-detail").text
        self.assertIn("task n4", detail)
        self.assertIn("ml.training.deploy_model", detail)
        active.send_keys(Keys.ENTER)
        focused = page.driver.switch_to.active_element
        self.assertEqual(focused.get_attribute("id"), "in-launchPlan-deploy-resources.requests.cpu")
        focused.send_keys("2")  # the task's CPU limit is 2
        self.assertIn("ok", page.wait_preview().get_attribute("class"))
        row = page.row("n4", "resources.requests.cpu")
        self.assertEqual(row.get_attribute("data-layer"), "LAUNCH_PLAN")
        self.assertEqual(row.find_element(By.CSS_SELECTOR, "td.value .has-shadow").text, "2")
        page.screenshot("keyboard-only")

    def test_narrow_window_has_no_horizontal_scroll(self):
        page = self.page
        page.driver.set_window_size(420, 900)
        page.open_example("training_pipeline")
        page.type("in-execution-train-resources.limits.cpu", "12 cores")
        page.wait_preview()
        widths = page.driver.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        self.assertLessEqual(widths[0], widths[1], "page wider than the window")
        label = page.css('label[for="in-execution-train-resources.limits.cpu"]')[0]
        self.assertTrue(label.is_displayed(), "each input says its layer on a narrow window")
        page.screenshot("narrow-window")


def console_link(server, state):
    """A link as the page writes it: the state deflated, base64url, after #s1."""
    import base64
    import zlib
    deflate = zlib.compressobj(wbits=-15)
    data = deflate.compress(json.dumps(dict({"v": 1, "project": "", "domain": "", "implicitHooks": False,
                                             "launchPlan": {}, "execution": {}}, **state)).encode()) + deflate.flush()
    return server.url + "console/#s1." + base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TakeItAway(ConsoleTest):
    def test_a_link_naming_a_misspelled_hook_shows_the_suggestion(self):
        page = self.page
        page.driver.get(console_link(self.server, {
            "closure": read_example("training_pipeline", "closure.json"),
            "execution": {"trian": {"retries": 3}, "train": {"retries": 4}}}))
        page.wait_status("open-status", "ok")
        self.assertEqual(page.by_id("in-execution-train-retries").get_attribute("value"), "4")
        status = page.wait_preview()
        self.assertIn("NOT valid", status.text)
        messages = page.by_id("preview-messages").text
        self.assertIn("did you mean 'train'?", messages)
        self.assertIn("sets hook trian, which this workflow does not declare", messages)
        page.screenshot("link-unknown-hook")
        page.driver.find_element(By.CSS_SELECTOR, "#preview-messages .orphan button").click()
        self.assertIn("ok", page.wait_preview().get_attribute("class"))
        self.assertNotIn("trian", page.by_id("export-ex-yaml").get_attribute("value"))

    def test_exported_yaml_resolves_with_overridectl_as_in_the_preview(self):
        page = self.page.open_example("training_pipeline")
        page.wait_preview()
        page.type("in-execution-train-resources.requests.memory", "20Gi")
        page.type("in-launchPlan-evaluate-cache_version", "1.0")
        page.type("in-launchPlan-challenger-retries", "3")
        page.by_id("in-execution-train-resources.limits.cpu-unset").click()
        page.driver.find_element(By.CSS_SELECTOR, "#in-launchPlan-deploy-interruptible option[value='false']").click()
        # Strings a YAML reader would retype, as environment values and in
        # task_config (where overridectl types plain scalars).
        tricky = ["true", "1e3", "0.5", "yes", "-x", "a: b", "#c", "0x1F", "2026-12-01"]
        env = {"FLAG": "true", "RATIO": "1e3", "NOTHING": "null", "TILDE": "~", "DASH": "-x"}
        for _ in env:
            page.by_id("in-execution-deploy-environment").click()
        keys = page.css('#hook-deploy .cell.env input[id$="-key"]')
        values = page.css('#hook-deploy .cell.env input[id$="-value"]')
        for (key, value), key_input, value_input in zip(env.items(), keys, values):
            key_input.send_keys(key)
            value_input.send_keys(value)
        page.type("in-execution-deploy-task_config", json.dumps({"s": tricky + ["null", "~", ""], "n": 3, "b": False}))
        self.assertIn("ok", page.wait_preview().get_attribute("class"))
        preview = page.driver.execute_script("return window.consoleApp.lastAnswer")
        lp_yaml = page.by_id("export-lp-yaml").get_attribute("value")
        ex_yaml = page.by_id("export-ex-yaml").get_attribute("value")
        self.assertIn('value: 20Gi', ex_yaml)
        self.assertIn('cacheVersion: "1.0"', lp_yaml)
        self.assertIn('FLAG: "true"', ex_yaml)
        out = os.environ.get("TEST_TMPDIR", "/tmp")
        lp, ex = os.path.join(out, "launch_plan.yaml"), os.path.join(out, "execution.yaml")
        with open(lp, "w") as f:
            f.write(lp_yaml)
        with open(ex, "w") as f:
            f.write(ex_yaml)
        result = subprocess.run([OVERRIDECTL, "resolve", "--closure", os.path.join(EXAMPLES, "training_pipeline", "closure.json"),
                                 "--launch-plan", lp, "--execution", ex, "--json", "--explain"],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        cli = json.loads(result.stdout)
        self.assertEqual([n["nodePath"] for n in cli["nodes"]], [n["nodePath"] for n in preview["nodes"]])
        for mine, theirs in zip(preview["nodes"], cli["nodes"]):
            self.assertEqual(mine["overrides"], theirs["overrides"], mine["nodePath"])
            self.assertEqual(mine["effective"], theirs["effective"], mine["nodePath"])
        deploy = next(n for n in cli["nodes"] if n["nodePath"] == "n4")
        for key, value in env.items():
            self.assertEqual(deploy["overrides"]["environment"][key], value)
        self.assertEqual(deploy["effective"]["taskConfig"]["s"], tricky + ["null", "~", ""])
        # The JSON export is the same maps, and the command names the files.
        self.assertEqual(json.loads(page.by_id("export-ex-json").get_attribute("value"))["train"]["unset"],
                         ["resources.limits.cpu"])
        self.assertIn("overridectl resolve --closure closure.json --launch-plan launch_plan.yaml",
                      page.by_id("export-command").get_attribute("value"))
        page.screenshot("export-yaml")

    def test_the_link_restores_the_form_in_a_fresh_page(self):
        page = self.page.open_example("training_pipeline", project="flytesnacks", domain="development")
        page.wait_preview()
        page.type("in-execution-train-resources.requests.memory", "20Gi")
        page.by_id("in-launchPlan-prepare-cache_version-unset").click()
        page.wait_preview()
        harness.wait_until(page.driver, lambda d: "#s1." in d.find_element(By.ID, "export-link").get_attribute("value"),
                           message="the link")
        link = page.by_id("export-link").get_attribute("value")
        fresh = Page(self.server)
        try:
            fresh.driver.get(link)
            fresh.wait_status("open-status", "ok")
            self.assertEqual(fresh.by_id("in-execution-train-resources.requests.memory").get_attribute("value"), "20Gi")
            self.assertTrue(fresh.by_id("in-launchPlan-prepare-cache_version-unset").is_selected())
            self.assertEqual(fresh.by_id("project").get_attribute("value"), "flytesnacks")
            fresh.wait_preview()
            self.assertIn("20Gi", fresh.row("n1/n0", "resources.requests.memory").text)
            fresh.screenshot("link-restored")
            self.assertEqual(fresh.script_errors(), [])
        finally:
            fresh.quit()


class OperatorPolicy(ConsoleTest):
    with open(os.path.join(EXAMPLES, "policy", "policy.yaml"), encoding="utf-8") as f:
        config = f.read()

    def test_fixed_fields_are_disabled_with_their_reason(self):
        page = self.page.open_example("policy", project="flytesnacks", domain="production")
        image = page.by_id("in-execution-challenger-container_image")
        self.assertFalse(image.is_enabled())
        note = page.by_id(image.get_attribute("aria-describedby").split()[1]).text
        self.assertIn("fixed_fields: container_image", note)
        self.assertFalse(page.by_id("in-launchPlan-train-resources.limits.gpu").is_enabled())
        self.assertTrue(page.by_id("in-launchPlan-train-resources.limits.cpu").is_enabled())
        card = page.by_id("hook-train").text
        self.assertIn("ghcr\\.io/acme/.*", card)
        self.assertIn("FLYTE_*", card)
        self.assertIn("at most 96Gi (higher values are clamped)", page.css("#hook-train .grid-row[data-path='resources.limits.memory']")[0].text)
        self.assertIn("at most 3 (higher values are refused)", page.css("#hook-train .grid-row[data-path='retries']")[0].text)
        page.screenshot("policy-fixed-fields")

    def test_a_clamp_is_marked_and_a_disallowed_image_refused_at_its_field(self):
        page = self.page.open_example("policy", project="flytesnacks", domain="development")
        page.wait_preview()
        page.type("in-launchPlan-train-resources.limits.memory", "160Gi")
        self.assertIn("ok", page.wait_preview().get_attribute("class"))
        row = page.row("n1/n0", "resources.limits.memory")
        self.assertEqual(row.get_attribute("data-layer"), "PLATFORM")
        self.assertIn("96Gi", row.text)
        self.assertIn("clamped", row.text)
        self.assertIn("clamped to 96Gi", page.by_id("in-launchPlan-train-resources.limits.memory-msg").text)
        page.screenshot("policy-clamp")
        image = page.type("in-execution-challenger-container_image", "docker.io/acme/trainer:1.5.0-rc2")
        status = page.wait_preview()
        self.assertIn("NOT valid", status.text)
        self.assertEqual(image.get_attribute("aria-invalid"), "true")
        self.assertIn("is not an allowed image", page.by_id("in-execution-challenger-container_image-msg").text)
        page.screenshot("policy-image-refused")


class ServerErrors(unittest.TestCase):
    """States the page must show when the server is gone or refuses the size."""

    def test_a_stopped_server_shows_an_error_not_a_stale_preview(self):
        server = harness.Server(SERVER, "stopped")
        page = Page(server)
        try:
            page.open_example("training_pipeline")
            page.wait_preview()
            server.stop()
            page.type("in-execution-train-retries", "5")
            status = page.wait_preview()
            self.assertIn("error", status.get_attribute("class"))
            self.assertIn("did not answer", status.text)
            self.assertEqual(page.css("#preview-nodes details.node"), [])
            page.screenshot("error-server-stopped")
        finally:
            page.quit()
            server.stop()

    def test_a_body_over_the_limit_shows_the_servers_413(self):
        server = harness.Server(SERVER, "small", "server: {max_message_bytes: 4096}")
        page = Page(server)
        try:
            page.open_example("training_pipeline")
            page.assertState("open-status", "error")
            text = page.by_id("open-status").text
            self.assertIn("the body is larger than the server's limit of 4096 bytes", text)
            self.assertIn("413", text)
            page.screenshot("error-413")
        finally:
            page.quit()
            server.stop()


def b64url(data):
    import base64
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_token(directory, subject):
    """An RS256 JWT and the JWKS file that verifies it, made with openssl."""
    key = os.path.join(directory, "jwt-key.pem")
    subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True)
    modulus = subprocess.run(["openssl", "rsa", "-in", key, "-noout", "-modulus"], check=True,
                             capture_output=True, text=True).stdout.strip().split("=", 1)[1]
    jwks = os.path.join(directory, "jwks.json")
    with open(jwks, "w") as f:
        json.dump({"keys": [{"kty": "RSA", "kid": "console", "use": "sig", "alg": "RS256",
                             "n": b64url(bytes.fromhex(modulus)), "e": "AQAB"}]}, f)
    now = int(time.time())
    signing_input = "%s.%s" % (
        b64url(json.dumps({"alg": "RS256", "kid": "console", "typ": "JWT"}).encode()),
        b64url(json.dumps({"iss": "https://idp.test", "aud": "flyteoverride", "sub": subject,
                           "iat": now, "exp": now + 3600}).encode()))
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing_input.encode(),
                               check=True, capture_output=True).stdout
    return signing_input + "." + b64url(signature), jwks


class BearerToken(unittest.TestCase):
    """With an auth: section the page asks for a token and sends it."""

    def test_the_token_field_authorizes_the_calls(self):
        directory = os.environ.get("TEST_TMPDIR") or "/tmp"
        token, jwks = signed_token(directory, "console-user")
        server = harness.Server(SERVER, "auth", "\n".join([
            "auth:",
            "  jwt: {issuer: 'https://idp.test', audience: flyteoverride, jwks_file: '%s'}" % jwks,
            "  rules:",
            "    - {name: console, principals: [console-user], allow: [InspectWorkflow, Resolve, GetResolved]}",
        ]))
        page = Page(server)
        try:
            page.open_example("training_pipeline")
            page.assertState("open-status", "error")
            self.assertIn("401", page.by_id("open-status").text)
            page.screenshot("auth-refused")
            page.driver.find_element(By.CSS_SELECTOR, "details.auth summary").click()
            page.type("token", token).send_keys(Keys.TAB)
            page.by_id("open-button").click()
            page.wait_status("open-status", "ok")
            self.assertIn("ok", page.wait_preview().get_attribute("class"))
            self.assertEqual(page.driver.execute_script(
                "return sessionStorage.getItem('override-console-token')"), token)
            page.screenshot("auth-token")
            self.assertEqual(page.script_errors(), [])
        finally:
            page.quit()
            server.stop()


def record(server, name, launch_plan, execution):
    status, body = call(server, "POST", "/v1/resolve", {
        "executionId": {"project": "flytesnacks", "domain": "development", "name": name},
        "closure": read_example("training_pipeline", "closure.json"),
        "launchPlanOverrides": launch_plan, "executionOverrides": execution,
        "options": {"dryRun": False}})
    if status != 200:
        raise AssertionError("recording %s: %s %s" % (name, status, body))


def expected_diff(a_name, a, b_name, b):
    """The comparison rules, written again here as the oracle."""
    def leaves(node):
        out = {}
        for entry in node.get("provenance", []):
            x = entry["assignment"]
            out[entry["field"]] = {"value": x.get("value"), "layer": x.get("layer", "LAYER_UNSPECIFIED"),
                                   "hook": x.get("hook", ""), "removed": bool(x.get("removed"))}
        return out
    na = {n["nodePath"]: n for n in a["nodes"]}
    nb = {n["nodePath"]: n for n in b["nodes"]}
    nodes, unchanged = [], 0
    for path in sorted(set(na) | set(nb), key=lambda p: p.encode()):
        if path not in na or path not in nb:
            side = leaves(na.get(path) or nb[path])
            nodes.append({"node_path": path, "status": "only_a" if path in na else "only_b",
                          "fields": [{"field": f, "a": side[f] if path in na else None, "b": side[f] if path in nb else None}
                                     for f in sorted(side, key=lambda f: f.encode())]})
            continue
        la, lb = leaves(na[path]), leaves(nb[path])
        fields = [{"field": f, "a": la.get(f), "b": lb.get(f)} for f in sorted(set(la) | set(lb), key=lambda f: f.encode())
                  if la.get(f) != lb.get(f)]
        if fields:
            nodes.append({"node_path": path, "status": "changed", "fields": fields})
        else:
            unchanged += 1
    return {"a": "flytesnacks/development/" + a_name, "b": "flytesnacks/development/" + b_name,
            "nodes": nodes, "unchanged_nodes": unchanged}


class RecordedExecutions(ConsoleTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        lp = read_example("training_pipeline", "launch_plan.json")
        ex = read_example("training_pipeline", "execution.json")
        record(cls.server, "run-a", lp, ex)
        ex_b = json.loads(json.dumps(ex))
        ex_b["train"]["resources"]["requests"] = [{"name": "MEMORY", "value": "32Gi"}]
        del ex_b["challenger"]
        record(cls.server, "run-b", lp, ex_b)

    def go(self):
        page = self.page
        page.driver.get(self.server.url)
        page.by_id("tab-executions").click()
        page.type("list-project", "flytesnacks")
        page.type("list-domain", "development")
        return page

    def test_list_recorded_executions(self):
        page = self.go()
        page.by_id("list-button").click()
        page.wait_status("list-status")
        status, body = call(self.server, "GET", "/v1/executions/flytesnacks/development")
        self.assertEqual(status, 200, body)
        names = [r.get_attribute("data-execution") for r in page.css("#executions tbody tr")]
        self.assertEqual(names, [e["executionId"]["name"] for e in body["executions"]])
        self.assertEqual(set(names), {"run-a", "run-b"})
        # A page of one, then the next page from the server's token.
        page.type("list-page-size", "1")
        page.by_id("list-button").click()
        harness.wait_until(page.driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#executions tbody tr")) == 1
                           and d.find_element(By.ID, "next-page").is_displayed(), message="a page of one")
        first = page.css("#executions tbody tr")[0].get_attribute("data-execution")
        page.by_id("next-page").click()
        harness.wait_until(page.driver, lambda d: d.find_element(By.CSS_SELECTOR, "#executions tbody tr").get_attribute("data-execution") != first,
                           message="the next page")
        self.assertEqual([first, page.css("#executions tbody tr")[0].get_attribute("data-execution")], names)
        # Two chosen in the list fill the comparison's names.
        page.type("list-page-size", "20")
        page.by_id("list-button").click()
        harness.wait_until(page.driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#executions tbody tr")) == 2,
                           message="both executions")
        for name in names:
            page.by_id("pick-" + name).click()
        self.assertEqual([page.by_id("execution-a").get_attribute("value"), page.by_id("execution-b").get_attribute("value")], names)
        page.screenshot("executions-list")

    def test_open_one_shows_what_every_node_got_and_from_where(self):
        page = self.go()
        page.type("execution-a", "run-a")
        page.by_id("open-execution").click()
        page.wait_status("execution-status", "ok")
        rows = page.css('#execution-nodes details[data-node="n1/n0"] tr[data-field="resources.requests.memory"]')
        self.assertEqual(rows[0].get_attribute("data-layer"), "EXECUTION")
        self.assertIn("48Gi", rows[0].text)
        self.assertEqual(len(page.css("#execution-nodes details.node")), 6)
        page.screenshot("execution-open")

    def test_compare_two_node_by_node(self):
        page = self.go()
        page.type("execution-a", "run-a")
        page.type("execution-b", "run-b")
        page.by_id("compare-button").click()
        page.wait_status("execution-status", "ok")
        shown = json.loads(page.by_id("compare-json").get_attribute("value"))
        a = call(self.server, "GET", "/v1/executions/flytesnacks/development/run-a?explain=true")[1]
        b = call(self.server, "GET", "/v1/executions/flytesnacks/development/run-b?explain=true")[1]
        self.assertEqual(shown, expected_diff("run-a", a, "run-b", b))
        changed = {n["node_path"] for n in shown["nodes"]}
        self.assertEqual(changed, {"n1/n0", "n2/n0", "n2/n1"})
        memory = page.css('#compare-body .diff-node[data-node="n1/n0"] tr[data-field="resources.requests.memory"]')[0].text
        self.assertIn("48Gi", memory)
        self.assertIn("32Gi", memory)
        # The page prints exactly what `overridectl diff -o json` prints.
        result = subprocess.run([OVERRIDECTL, "diff", "--server", self.server.grpc,
                                 "flytesnacks/development/run-a", "flytesnacks/development/run-b", "-o", "json"],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(shown, json.loads(result.stdout))
        page.screenshot("executions-compare")


if __name__ == "__main__":
    del sys.argv[1:]
    harness.run(__name__)
