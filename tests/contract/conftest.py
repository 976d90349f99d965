"""Print the schemathesis totals (test_openapi_contract) after the run, where -q shows them too."""
from tests.contract import test_openapi_contract


def pytest_terminal_summary(terminalreporter):
    lines = test_openapi_contract.summary()
    if lines:
        terminalreporter.section("OpenAPI contract (schemathesis)")
        for line in lines:
            terminalreporter.write_line(line)
