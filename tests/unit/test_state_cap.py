"""The cap on a case's stored state (issue 14): measured before serializing (aliasing cannot make
the serializer run away), checked again on the JSON itself, and the element named."""
import time

import pytest

from app.engine import ProcessInstance, load_definition
from app.errors import ProcessFailure
from tests.script_processes import bpmn


def _instance(key: str, script: str) -> ProcessInstance:
    definition = load_definition(-abs(hash(key)), key, key, lambda: bpmn(key, script, element="grow", name="生成数据"),
                                 {}, {})
    return ProcessInstance.start(definition, {"wait_for": "PT1S"})


def test_a_state_under_the_cap_is_stored():
    instance = _instance("cap_small", "blob = 'x' * 1000")
    assert 2000 < len(instance.dump(100_000)) < 100_000


def test_data_over_the_cap_is_refused_before_it_is_serialized():
    # a thousand references to one 100,000-character string: 100 MB as JSON, 1 MB in memory
    instance = _instance("cap_alias", "s = 'x' * 100000\nblob = []\nfor i in range(1000):\n    blob.append(s)\n")
    started = time.monotonic()
    with pytest.raises(ProcessFailure) as info:
        instance.dump(5 * 1024 * 1024)
    assert time.monotonic() - started < 1
    assert "grow“生成数据”" in info.value.message and "5.0 MB 的上限" in info.value.message
    assert info.value.extra["element_id"] == "grow"


def test_json_over_the_cap_is_refused_even_when_the_measure_is_under_it():
    # 100,000 Chinese characters measure 100,000 but take 600,000 bytes as (ASCII) JSON per task
    instance = _instance("cap_escaped", "blob = '办' * 100000")
    with pytest.raises(ProcessFailure, match="流程数据") as info:
        instance.dump(300_000)
    assert info.value.extra["element_id"] == "grow"
