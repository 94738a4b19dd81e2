#!/usr/bin/env python3
"""Scans the generated test data (every format, benign and malicious) with the CLI and validates the JSON
report against docs/schemas/report-1.json, and the SARIF log's required shape.

usage: check_report_schema.py MODELSHIELD SOURCE_DIR TESTDATA_DIR"""
import json
import subprocess
import sys

import jsonschema


def main(cli, source, testdata):
    schema = json.load(open(f"{source}/docs/schemas/report-1.json"))
    run = subprocess.run([cli, "scan", "--format", "json", "--quiet", testdata], capture_output=True)
    if run.returncode not in (0, 1):
        sys.exit(f"scan exited {run.returncode}: {run.stderr.decode()}")
    report = json.loads(run.stdout)
    jsonschema.validate(report, schema)
    severities = {f["severity"] for f in report["findings"]}
    assert {"critical", "high", "medium"} <= severities, severities
    sarif = json.loads(subprocess.run([cli, "scan", "--format", "sarif", "--quiet", testdata],
                                      capture_output=True).stdout)
    assert sarif["version"] == "2.1.0"
    run0 = sarif["runs"][0]
    rule_ids = {r["id"] for r in run0["tool"]["driver"]["rules"]}
    assert len(run0["results"]) == len(report["findings"])
    for result in run0["results"]:
        assert result["ruleId"] in rule_ids
        assert result["level"] in ("error", "warning", "note")
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    print(f"report valid: {len(report['files'])} files, {len(report['findings'])} findings")


if __name__ == "__main__":
    main(*sys.argv[1:4])
