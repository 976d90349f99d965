"""Parsing XML that strangers wrote: no entities, no DTD, no network, bounded size."""
from lxml import etree


class UnsafeXml(Exception):
    """The document is refused before its content is looked at."""

    def __init__(self, rule: str, message: str, line: int | None = None):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.line = line


def _parser() -> etree.XMLParser:
    # lxml parsers are not thread-safe: one per call.
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse(data: bytes, max_bytes: int) -> etree._ElementTree:
    """Parse bytes (the XML declaration decides the encoding) or raise UnsafeXml."""
    if len(data) > max_bytes:
        raise UnsafeXml("file_size", f"文件大小 {len(data)} 字节，超过上限 {max_bytes} 字节")
    if not data.strip():
        raise UnsafeXml("xml_syntax", "文件为空")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        return _raise_syntax(exc)
    tree = root.getroottree()
    # A DOCTYPE is where entity and DTD tricks live; BPMN never needs one.
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UnsafeXml("xml_doctype", "不接受包含 DOCTYPE/实体声明的 XML")
    return tree


def _raise_syntax(exc: etree.XMLSyntaxError):
    msg = str(exc.msg or exc)
    if "DOCTYPE" in msg or "Entity" in msg or "entity" in msg:
        raise UnsafeXml("xml_doctype", f"不接受包含 DOCTYPE/实体声明的 XML：{msg}", exc.lineno)
    raise UnsafeXml("xml_syntax", f"XML 格式错误（第 {exc.lineno} 行）：{msg}", exc.lineno)
