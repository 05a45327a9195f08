"""No template can kill the interpreter: the whole corpus, rendered in a child process.

A segmentation fault (issue 14's nested tuple, hashed by C code with no recursion guard)
cannot be caught in-process: the test would die with the worker. So a child Python
renders every SSTI payload and every attack, in the text and html parts, strict and
lenient, through a registry that skipped the build-time checks and through layouts
(included and extended), checks each, and builds each the ordinary way, then says how
many it ran; the parent checks that it exited normally.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.ssti_payloads import PAYLOADS
from tests.template_support import ATTACKS

CHILD = r"""
from journeykit import JourneykitError
from journeykit.templates import MessageTemplate, Templates
from tests.ssti_payloads import PAYLOADS
from tests.template_support import (
    ATTACKS, DEEP_TUPLE, DEEP_TUPLE_LIMITS, customer_context, unchecked
)

def attempt(action):
    try:
        action()
    except JourneykitError:
        pass

runs = 0
for source in [p.source for p in PAYLOADS] + [a.source for a in ATTACKS]:
    layouts = {"l": {"default": source}}
    registries = [
        unchecked(source, part="text"),
        unchecked(source, part="html", missing="lenient"),
        unchecked("{% include 'l' %}", part="html", layouts=layouts),
        unchecked("{% extends 'l' %}", part="text", missing="lenient", layouts=layouts),
    ]
    for templates in registries:
        attempt(lambda: templates.render("probe", customer_context()))
        runs += 1
    runs += len(registries[0].problems()) >= 0
    attempt(lambda: Templates(templates={"probe": {"default": MessageTemplate(html=source)}}))
    runs += 1
for part in ("text", "html"):
    attempt(lambda: unchecked(DEEP_TUPLE, part=part, limits=DEEP_TUPLE_LIMITS).render("probe", {}))
    runs += 1
print(f"rendered {runs}", flush=True)
"""


def test_no_template_in_the_corpus_kills_the_interpreter() -> None:
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", CHILD],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # every source rendered 4 ways, checked, and built: none skipped
    expected = (len(PAYLOADS) + len(ATTACKS)) * 6 + 2
    assert result.stdout.strip() == f"rendered {expected}"
