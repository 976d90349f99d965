"""Make SpiffWorkflow's timer checks read app.clock instead of the system clock.

SpiffWorkflow decides whether a timer has fired with `datetime.now(timezone.utc)` inside
its timer module. We swap that module's `datetime` for a subclass whose `now()` asks
app.clock, so moving the clock in a test (or an operator replaying a day) fires timers
exactly as real time would. The subclass changes nothing else.
"""
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module

from app import clock


class ClockDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        current = clock.now()
        return current.astimezone(tz) if tz is not None else current.astimezone().replace(tzinfo=None)


def install() -> None:
    _timer_module.datetime = ClockDatetime
