"""Fixtures for Liandong's system tests.

`system` (module scope): a private PostgreSQL cluster plus ledger, router and
notifier on free loopback ports, registry imported, ready to answer. Each test
module gets a fresh one, so counts in one module are not disturbed by another.
On teardown every service gets SIGTERM and must exit 0.
"""
import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liandong  # noqa: E402


@pytest.fixture(scope="module")
def system(request):
    sysm = liandong.System().start()
    request.node._liandong_system = sysm
    yield sysm
    failed = False
    try:
        sysm.stop(check=True)
    except AssertionError:
        failed = True
        raise
    finally:
        # Keep the logs of a failed run for whoever reads CI output; tidy
        # up after a clean one (the cluster is a few dozen MB).
        keep = failed or getattr(request.node, "_liandong_failed", False)
        if keep or os.environ.get("LIANDONG_KEEP"):
            print(f"\nliandong: kept {sysm.workdir}", file=sys.stderr)
        else:
            shutil.rmtree(sysm.workdir, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    # Teardown failures already carry the logs in their message.
    if not rep.failed or rep.when == "teardown":
        return
    # Attach the services' log tails to the failure report.
    node = item.parent
    while node is not None and not hasattr(node, "_liandong_system"):
        node = node.parent
    if node is None:
        return
    node._liandong_failed = True
    rep.sections.append(("liandong service logs", node._liandong_system.logs()))
