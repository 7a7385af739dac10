"""Reloading the policy folder while serving: on SIGHUP, or when a policy file changes.

The folder is polled (names, sizes and modification times of its policy files,
every ``GATEWAY_POLICY_RELOAD_INTERVAL_S``; 0 turns polling off) and reloaded
whole on a change or on SIGHUP. A folder that does not validate is refused:
the problems are logged with file and field, and the last good policies stay
in force. A request holds the policy it was decided by, so one in flight is
recorded under the version it ran with; every request that starts after a
reload runs under the new versions.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from pathlib import Path

from gateway.policy import Policy, PolicyError, load_policies, policy_files

log = logging.getLogger(__name__)

Signature = tuple[tuple[str, int, int], ...]


def folder_signature(directory: Path) -> Signature:
    """What changes when a policy file is written, added or removed (the test files are left out)."""
    try:
        files = policy_files(directory)
    except OSError:
        return ()
    out = []
    for path in files:
        try:
            stat = path.stat()
        except OSError:  # removed while we looked
            continue
        out.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(out)


class PolicyReloader:
    """Reloads ``directory`` and hands each good set of policies to ``apply``."""

    def __init__(self, directory: Path, apply: Callable[[dict[str, Policy]], None]) -> None:
        self.directory = directory
        self.apply = apply
        self._seen = folder_signature(directory)
        self._wake = asyncio.Event()

    def reload(self) -> bool:
        """Load the folder now: True when the new policies are in force, False when it was refused."""
        self._seen = folder_signature(self.directory)
        try:
            policies = load_policies(self.directory)
        except PolicyError as exc:
            log.error(
                "policy reload refused, the last good policies stay in force: %s",
                "; ".join(str(problem) for problem in exc.problems),
            )
            return False
        except OSError as exc:
            log.error("policy reload refused, the last good policies stay in force: %s unreadable", exc.filename)
            return False
        self.apply(policies)
        log.info("policies reloaded: %s", ", ".join(f"{p.name} ({p.version[:15]})" for p in policies.values()))
        return True

    def changed(self) -> bool:
        return folder_signature(self.directory) != self._seen

    def request_reload(self) -> None:
        """From a signal handler: reload at the next turn of :meth:`watch`."""
        self._wake.set()

    async def watch(self, interval_s: float) -> None:
        """Reload on :meth:`request_reload` or, every ``interval_s`` (0: never), when the folder changed."""
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=interval_s or None)
                forced = True
            except TimeoutError:
                forced = False
            self._wake.clear()
            if forced or self.changed():
                try:
                    await asyncio.to_thread(self.reload)
                except Exception:  # the last good policies stay; the watcher must outlive any one reload
                    log.exception("policy reload failed; the last good policies stay in force")

    def on_sighup(self) -> bool:
        """Reload on SIGHUP in this process; False where signals cannot be handled (not the main thread)."""
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.request_reload)
        except (ValueError, RuntimeError, NotImplementedError):
            return False
        return True

    def stop_sighup(self) -> None:
        try:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        except (ValueError, RuntimeError, NotImplementedError):
            pass
