"""The documentation site: its examples run, its pages show only code that runs, and it builds.

Every example is a file under ``docs/examples/`` that a page includes with ``--8<--`` (pymdownx
snippets, whole or by section). Each file is a complete program, run here as a script
(``__name__ == "__main__"``) on a fresh embedded engine: ``AWS_ENDPOINT_URL_DYNAMODB`` is set to
``memory://<unique name>``, which the examples' ``DynamoDBClient(region=...)`` picks up as it would
pick up a real endpoint. A file that imports boto3 (which cannot speak ``memory://``) gets a fresh
engine served over HTTP on a loopback port instead, for boto3 and pydynox alike. A file that
declares an ``EncryptedAttribute`` or an ``S3Attribute`` also gets KMS and S3: the session's moto
server, through ``AWS_ENDPOINT_URL_KMS`` and ``AWS_ENDPOINT_URL_S3`` (DynamoDB stays the embedded
engine); such examples create the key or bucket they name with a helper of their folder. Files whose
name starts with ``_`` are helpers imported by the others; a folder with a ``pytest.ini`` is an
example test project, run with pytest in a child process.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydynox import clear_default_client, get_default_client, set_default_client
from pydynox.local import LocalEngine

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<lang>\w+)?(?P<attrs>[^\n]*)\n(?P<body>.*?)^(?P=indent)```", re.S | re.M
)
INCLUDE = re.compile(r'--8<--\s+"(?P<path>[^":]+)(?::(?P<section>[\w-]+))?"')
BOTO3 = re.compile(r"^\s*(?:import boto3|from boto3\b)", re.M)
AWS_SERVICES = re.compile(r"\b(?:EncryptedAttribute|S3Attribute)\(")


def _projects() -> list[Path]:
    return sorted(p.parent for p in EXAMPLES.rglob("pytest.ini"))


def _scripts() -> list[Path]:
    projects = _projects()
    return sorted(
        p
        for p in EXAMPLES.rglob("*.py")
        if not p.name.startswith("_") and not any(project in p.parents for project in projects)
    )


def _pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def _name(path: Path) -> str:
    return str(path.relative_to(EXAMPLES))


@pytest.fixture
def engine_endpoint(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh engine for one example, in process or (for boto3) over HTTP; the default client and
    the engines are restored and discarded afterwards."""
    path: Path = request.node.callspec.params["path"]
    engine = LocalEngine(f"docs-{uuid.uuid4().hex[:12]}")
    previous = get_default_client()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    source = path.read_text()
    if AWS_SERVICES.search(source):
        aws_url: str = request.getfixturevalue("aws_url")
        monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", aws_url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", aws_url)
    else:
        monkeypatch.delenv("AWS_ENDPOINT_URL_KMS", raising=False)
        monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.syspath_prepend(str(path.parent))
    try:
        if BOTO3.search(source):
            with engine.serve() as server:
                monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", server.endpoint_url)
                yield server.endpoint_url
        else:
            monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", engine.endpoint_url)
            yield engine.endpoint_url
    finally:
        if previous is None:
            clear_default_client()
        else:
            set_default_client(previous)
        engine.discard()
        # Examples that name `memory://` themselves use the engine called "default".
        LocalEngine("default").discard()


@pytest.mark.parametrize("path", _scripts(), ids=_name)
def test_example_runs(
    path: Path, engine_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # anything an example writes stays out of the repository
    helpers = {p.stem for p in path.parent.glob("_*.py")}
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        for name in helpers:  # the next example re-imports its own folder's helpers
            sys.modules.pop(name, None)


@pytest.mark.parametrize("project", _projects(), ids=_name)
def test_example_test_project_passes(project: Path, tmp_path: Path) -> None:
    """An example test suite (the testing guide's), run as its user would run it: pytest in its own
    folder, with that folder's pytest.ini and conftest.py."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_"))}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(project / "pytest.ini"), str(project), "-q",
         "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "basetemp")],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    tests = sum(
        1
        for p in project.glob("test_*.py")
        for _ in re.finditer(r"^(?:async )?def test_", p.read_text(), re.M)
    )
    assert f"{tests} passed" in result.stdout, result.stdout


def test_pages_show_only_code_from_example_files() -> None:
    """A Python block on a page is made of includes only, unless its title says it is not executed
    (the other libraries' side of the migration guides, which are not installed here)."""
    inline: list[str] = []
    for page in _pages():
        for fence in FENCE.finditer(page.read_text()):
            if fence["lang"] not in ("python", "py"):
                continue
            if "not executed" in fence["attrs"]:
                continue
            code = [line for line in fence["body"].splitlines() if line.strip()]
            if not code or not all(INCLUDE.search(line) for line in code):
                inline.append(f"{page.relative_to(DOCS)}: {code[:1]}")
    assert not inline, (
        "Python code written inline in a page; move it into a file under docs/examples/ and include "
        "it with --8<-- (or title a block of another library 'not executed'):\n" + "\n".join(inline)
    )


def test_every_example_file_is_on_a_page() -> None:
    included = {(ROOT / m["path"]).resolve() for page in _pages() for m in INCLUDE.finditer(page.read_text())}
    shown_projects = {
        p for p in _projects() if any(project_file in included for project_file in p.rglob("*"))
    }
    orphans = [
        _name(p)
        for p in EXAMPLES.rglob("*.py")
        if p.resolve() not in included and not any(project in p.parents for project in shown_projects)
    ]
    assert not orphans, f"example files no page includes: {orphans}"


def test_site_builds_strict(tmp_path: Path) -> None:
    """`mkdocs build --strict`: a broken link or anchor, a missing snippet or section, an API
    docstring griffe cannot parse, any warning fails."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    assert (tmp_path / "site" / "index.html").exists()


def _peers_report() -> Any:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import peers_report
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return peers_report


def test_benchmark_page_is_generated_from_its_data() -> None:
    """docs/benchmarks.md's table and run details are what the committed run's JSON gives: nobody
    edited a number by hand, and the plots of that run are there."""
    report = _peers_report()
    payload = json.loads((DOCS / "img" / "benchmarks" / "peers.json").read_text())
    page = (DOCS / "benchmarks.md").read_text()
    assert report.replace_between_markers(page, "table", report.results_table(payload)) == page
    assert report.replace_between_markers(page, "run", report.run_details(payload)) == page
    for name in ("peers-query.png", "peers-batch-write.png", "peers-gets.png", "peers-relative.png"):
        assert (DOCS / "img" / "benchmarks" / name).read_bytes().startswith(b"\x89PNG"), name


def test_benchmark_report_draws_plots_and_rewrites_the_page(tmp_path: Path) -> None:
    report = _peers_report()
    payload = json.loads((DOCS / "img" / "benchmarks" / "peers.json").read_text())
    payload["results"][0].update(cpu_ms_median=1.0, cpu_ms_min=0.9, cpu_ms_max=1.2)  # another run
    run = tmp_path / "run.json"
    run.write_text(json.dumps(payload))
    page = tmp_path / "benchmarks.md"
    page.write_text((DOCS / "benchmarks.md").read_text())

    written = report.write_report(run, page=page, out_dir=tmp_path / "img")

    assert {p.name for p in written} >= {"peers-query.png", "peers-relative.png", "peers.json"}
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in written if p.suffix == ".png")
    assert "**1.00 µs/item**" in page.read_text()  # the new run's first row
    assert json.loads((tmp_path / "img" / "peers.json").read_text()) == payload

    payload["failures"] = ["a batch partition holds 999 items"]
    run.write_text(json.dumps(payload))
    with pytest.raises(ValueError, match="failed its checks"):
        report.write_report(run, page=page, out_dir=tmp_path / "img")
