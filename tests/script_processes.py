"""Tiny processes for the script-limit tests: start (the timer test form) → [a timer of
`wait_for`] → one script task → end, deployed with an item that runs them."""
import io
from xml.sax.saxutils import escape

from tests.guides import guide_doc, publish_doc
from tests.timing import DATA

# The one-line loop, the chain of powers and the 100 MB string of issue 14.
LOOP = "while True: pass"
POWERS = "x = 2\n" + "x = x ** 64\n" * 5
BIG_STRING = "s = 'x' * 10**8"


NAMESPACES = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
              'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
              'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"')


def bpmn(key: str, script: str, *, timer: bool = False, element: str = "calc", name: str = "计算") -> bytes:
    timer_xml = f"""
    <bpmn:intermediateCatchEvent id="wait" name="等待片刻">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="wait_def">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">wait_for</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="{element}" />""" if timer else ""
    first_target = "wait" if timer else element
    incoming = "f2" if timer else "f1"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NAMESPACES} id="{key}_defs" targetNamespace="https://onewindow.example/bpmn/tests">
  <bpmn:process id="{key}" name="脚本限制（测试）" isExecutable="true">
    <bpmn:startEvent id="started" camunda:formKey="timer_test_application"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="started" targetRef="{first_target}" />{timer_xml}
    <bpmn:scriptTask id="{element}" name="{name}" scriptFormat="python">
      <bpmn:incoming>{incoming}</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>{escape(script)}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="ended"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="{element}" targetRef="ended" />
  </bpmn:process>
</bpmn:definitions>
""".encode()


def deploy(app, designer, key: str, script: str, *, item: str, timer: bool = False,
           element: str = "calc", name: str = "计算", xml: bytes | None = None) -> str:
    """Deploy the process (through `designer`, a test client or an HTTP client with .post) and
    publish an item running it; returns the item code."""
    content = xml or bpmn(key, script, timer=timer, element=element, name=name)
    form = (DATA / "timer_test_application.form").read_bytes()
    response = designer.post("/api/v1/processes", content_type="multipart/form-data", data={
        "file": (io.BytesIO(content), f"{key}.bpmn"),
        "forms": (io.BytesIO(form), "timer_test_application.form"),
    })
    assert response.status_code in (200, 201), response.get_json()
    publish_doc(app, guide_doc(item, process_key=key, legal=1, promised=1, materials=[("SQS", "申请书")]))
    return item
