"""The app names the recipe writes into the models (config.json "loom.tasks") and prompts by are
the server's: each is one of `APPS` in server/apps/index.ts, so the two lists cannot drift."""

import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import classifier_job  # noqa: E402
import code_job  # noqa: E402
import decoder_job  # noqa: E402
from prompts import PROMPTS  # noqa: E402

APPS_TS = os.path.join(os.path.dirname(HERE), "server", "apps", "index.ts")


def server_apps():
    with open(APPS_TS, encoding="utf-8") as f:
        m = re.search(r"export const APPS = \[([^\]]*)\]", f.read())
    if not m:
        raise AssertionError(f"no `export const APPS = [...]` in {APPS_TS}")
    return re.findall(r'"([^"]+)"', m.group(1))


class AppNames(unittest.TestCase):
    def test_the_server_lists_apps(self):
        self.assertIn("chat", server_apps())

    def test_each_model_serves_server_apps(self):
        apps = server_apps()
        for job in (decoder_job, classifier_job, code_job):
            for name in job.APPS:
                self.assertIn(name, apps, f"{job.__name__}.APPS")

    def test_each_prompt_is_for_a_server_app(self):
        apps = server_apps()
        for name in PROMPTS:
            self.assertIn(name, apps, "prompts.PROMPTS")


if __name__ == "__main__":
    unittest.main()
