"""Checks as JUnit XML (one testcase per check; failures carry value, limit, baseline).

Every string from a config or an input (check names, loss labels, file names)
goes through :func:`losscli.neutralise.xml`: one line, no character XML 1.0
forbids; ElementTree quotes attributes and escapes ``& < >``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from losscli.neutralise import xml


def to_junit(checks: Sequence[Any], suite: str = "losscli") -> str:
    """A ``<testsuites>`` document; ``checks`` are :class:`losscli.checks.CheckResult`."""
    failures = sum(1 for c in checks if not c.passed)
    root = ET.Element("testsuites", name=xml(suite), tests=str(len(checks)), failures=str(failures))
    suite_el = ET.SubElement(
        root, "testsuite", name=xml(suite), tests=str(len(checks)), failures=str(failures), errors="0"
    )
    for check in checks:
        case = ET.SubElement(
            suite_el,
            "testcase",
            name=xml(check.name),
            classname=xml(f"{suite}.{getattr(check, 'file', '') or check.loss}"),
        )
        props = ET.SubElement(case, "properties")
        for key in ("loss", "kind", "value", "limit", "baseline"):
            if getattr(check, key) is not None:  # a gate without a limit has no limit="None"
                ET.SubElement(props, "property", name=key, value=xml(str(getattr(check, key))))
        if check.ci is not None:  # the value's --ci interval
            shown = f"{check.ci.low!r} … {check.ci.high!r} ({check.ci.level:g})"
            ET.SubElement(props, "property", name="ci", value=xml(shown))
        if not check.passed:
            failure = ET.SubElement(
                case, "failure", message=xml(f"{check.name}: {check.detail}"), type=xml(check.kind)
            )
            given = [
                f"{k}={getattr(check, k)!r}"
                for k in ("value", "limit", "baseline")
                if getattr(check, k) is not None
            ]
            body = [" ".join(given), check.detail]
            failure.text = "".join(xml(part) + "\n" for part in body)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
