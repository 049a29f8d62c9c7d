"""Checks as JUnit XML (one testcase per check; failures carry value, limit, baseline)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any


def to_junit(checks: Sequence[Any], suite: str = "losscli") -> str:
    """A ``<testsuites>`` document; ``checks`` are :class:`losscli.checks.CheckResult`."""
    failures = sum(1 for c in checks if not c.passed)
    root = ET.Element("testsuites", name=suite, tests=str(len(checks)), failures=str(failures))
    suite_el = ET.SubElement(
        root, "testsuite", name=suite, tests=str(len(checks)), failures=str(failures), errors="0"
    )
    for check in checks:
        case = ET.SubElement(
            suite_el,
            "testcase",
            name=check.name,
            classname=f"{suite}.{getattr(check, 'file', '') or check.loss}",
        )
        props = ET.SubElement(case, "properties")
        for key in ("loss", "kind", "value", "limit", "baseline"):
            ET.SubElement(props, "property", name=key, value=str(getattr(check, key)))
        if not check.passed:
            failure = ET.SubElement(case, "failure", message=f"{check.name}: {check.detail}", type=check.kind)
            failure.text = (
                f"value={check.value!r} limit={check.limit!r} baseline={check.baseline!r}\n{check.detail}\n"
            )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
