"""Deploying BPMN files that other tools wrote (the shared read-only corpus, see its README):
each is either a new version (201) or refused with 422 and a list of problems, never a 500."""
import io
import os
import re
from pathlib import Path

import pytest
from lxml import etree

from tests.api.test_deploy import KNOWN_RULES


def _corpus() -> Path:
    """../shared/bpmn-corpus beside the checkout; a clone elsewhere (CI) finds it through
    ONEWINDOW_BPMN_CORPUS or the workplace's /work/shared. Missing is a failure, not a skip."""
    candidates = [os.environ.get("ONEWINDOW_BPMN_CORPUS"),
                  Path(__file__).resolve().parents[3] / "shared" / "bpmn-corpus",
                  "/work/shared/bpmn-corpus"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return Path(candidates[1])


CORPUS = _corpus()
FILES = sorted(CORPUS.glob("**/*.bpmn"))
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _name(path: Path) -> str:
    return path.relative_to(CORPUS).as_posix()


def _deploy(api, content: bytes, filename: str):
    return api.post("/api/v1/processes", data={"file": (io.BytesIO(content), filename)},
                    content_type="multipart/form-data")


def _ids(content: bytes) -> set[str]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(content, parser)
    return {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}


def test_the_corpus_is_there():
    assert CORPUS.is_dir(), CORPUS
    assert len(FILES) >= 42, [_name(p) for p in FILES]
    assert {p.parent.name for p in FILES} == {"miwg-reference", "bpmn-io-export"}


@pytest.mark.parametrize("path", FILES, ids=_name)
def test_corpus_file_is_accepted_or_refused_with_problems(as_user, path):
    designer = as_user("designer")
    content = path.read_bytes()
    response = _deploy(designer, content, path.name)
    assert response.status_code in (201, 422), (response.status_code, response.get_data(as_text=True)[:2000])
    body = response.get_json()
    if response.status_code == 201:
        key, version = body["key"], body["version"]
        assert version == 1
        xml = designer.get(f"/api/v1/processes/{key}/versions/{version}/xml")
        assert xml.status_code == 200 and xml.data == content
        assert key in {p["key"] for p in designer.get("/api/v1/processes").get_json()}
        # a second upload of the same file is the same version
        again = _deploy(designer, content, path.name)
        assert again.status_code == 200 and again.get_json()["version"] == 1
        return
    assert body["code"] == 422 and CHINESE.search(body["message"])
    problems = body["problems"]
    assert problems
    ids = _ids(content)
    for problem in problems:
        assert set(problem) == {"element_id", "rule", "message"}, problem
        assert problem["rule"] in KNOWN_RULES, problem
        assert isinstance(problem["message"], str) and CHINESE.search(problem["message"]), problem
        # the element a problem names is one of the file's elements
        assert problem["element_id"] is None or problem["element_id"] in ids, problem
    assert body["errors"]["file"] == [p["message"] for p in problems]


def test_some_corpus_files_are_accepted(as_user):
    """Modeler output without user tasks, lanes or scripts is a valid process: the checks
    must not refuse everything (otherwise the test above would pass on a broken server)."""
    designer = as_user("designer")
    before = designer.get("/api/v1/processes").get_json()
    statuses, keys = {}, set()
    for path in FILES:
        response = _deploy(designer, path.read_bytes(), path.name)
        statuses[_name(path)] = response.status_code
        if response.status_code == 201:
            keys.add(response.get_json()["key"])
    accepted = sorted(name for name, status in statuses.items() if status == 201)
    refused = sorted(name for name, status in statuses.items() if status == 422)
    assert accepted, statuses
    assert refused, statuses
    assert len(accepted) + len(refused) == len(FILES), statuses
    after = designer.get("/api/v1/processes").get_json()
    assert {p["key"] for p in after} == {p["key"] for p in before} | keys
