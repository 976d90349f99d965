"""Parsed process specs, cached per definition (id + content hash).

Parsing BPMN costs milliseconds and a spec is immutable once deployed, so each worker
parses a definition once and every case of that version shares the spec objects.
"""
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from app.engine import checks, xmlsafe


@dataclass(frozen=True)
class LoadedDefinition:
    """A deployed process version, ready to run."""

    cache_key: tuple
    process_key: str
    spec: object
    subprocess_specs: dict
    user_tasks: dict  # task spec id -> UserTaskMeta-like dict
    element_names: dict


_cache: "OrderedDict[tuple, LoadedDefinition]" = OrderedDict()
_lock = threading.Lock()
MAX_CACHED = 256


def load(definition_id: int, sha256: str, process_key: str, read_xml: Callable[[], bytes],
         user_tasks: dict, element_names: dict) -> LoadedDefinition:
    """The cached spec of a version; `read_xml` is called only on a cache miss."""
    key = (definition_id, sha256)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    tree = xmlsafe.parse(bytes(read_xml()), max_bytes=64 * 1024 * 1024)
    parser = checks.build_parser(tree)
    loaded = LoadedDefinition(
        cache_key=key,
        process_key=process_key,
        spec=parser.get_spec(process_key),
        subprocess_specs=parser.get_subprocess_specs(process_key),
        user_tasks=user_tasks,
        element_names=element_names,
    )
    with _lock:
        _cache[key] = loaded
        while len(_cache) > MAX_CACHED:
            _cache.popitem(last=False)
    return loaded


def clear() -> None:
    with _lock:
        _cache.clear()
