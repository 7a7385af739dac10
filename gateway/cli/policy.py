"""``gateway policy validate`` and ``gateway policy test``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gateway.policy import Policy, PolicyError, PolicyProblem
from gateway.settings import Settings


def _folder_and_policies(path: Path) -> tuple[Path, dict[str, Policy]]:
    """The policy folder ``path`` is or lies in, and every policy in it (shadow ones too) by name."""
    from gateway.policy import load_all

    folder = path.parent if path.is_file() else path
    return folder, {p.name: p for p in load_all(folder)}


def _print_problems(problems: list[PolicyProblem]) -> int:
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1


def _policy_validate(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.policy import is_test_file, load_all, load_policy_file
    from gateway.policy_tests import find_test_files, load_test_file, policy_of

    path = Path(args.path) if args.path else settings.policy_dir
    try:
        if path.is_file() and is_test_file(path):
            _, policies = _folder_and_policies(path)
            loaded, tests = [], [path]
        else:
            loaded = [load_policy_file(path)] if path.is_file() else load_all(path)
            policies, tests = {p.name: p for p in loaded}, [] if path.is_file() else find_test_files(path)
        problems: list[PolicyProblem] = []
        checked = []
        for test_path in tests:  # policy tests are checked for shape here and run by `gateway policy test`
            try:
                spec = load_test_file(test_path)
                checked.append((test_path, policy_of(test_path, spec, policies).name, len(spec.cases)))
            except PolicyError as exc:
                problems.extend(exc.problems)
        if problems:
            raise PolicyError(problems)
    except PolicyError as exc:
        return _print_problems(exc.problems)
    for policy in loaded:
        mode = f", shadow of {policy.spec.shadow_of}" if policy.is_shadow else ""
        print(f"{policy.path}: ok ({policy.name}{mode}, {len(policy.spec.rules)} rules, {policy.version})")
    for test_path, name, cases in checked:
        print(f"{test_path}: ok (tests of {name}, {cases} cases)")
    return 0


def _policy_test(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.pipeline.detect import Detector
    from gateway.policy_tests import find_test_files, run_file

    path = Path(args.path) if args.path else settings.policy_dir
    try:
        _, policies = _folder_and_policies(path)
        files = find_test_files(path)
    except PolicyError as exc:
        return _print_problems(exc.problems)
    if not files:
        print(f"{path}: no policy test files (*_test.yaml)", file=sys.stderr)
        return 1
    detector = Detector(spacy_model=settings.spacy_model)  # the real detector, in this process
    passed = failed = 0
    problems: list[PolicyProblem] = []
    for test_path in files:
        try:
            for result in run_file(detector, test_path, policies):
                if result.passed:
                    passed += 1
                else:
                    failed += 1
                    print(f"FAIL {result}")
        except PolicyError as exc:
            problems.extend(exc.problems)
    if problems:
        _print_problems(problems)
    print(f"{passed} passed, {failed} failed, {len(problems)} invalid ({len(files)} files)")
    return 0 if failed == 0 and not problems else 1


def register(commands: argparse._SubParsersAction) -> None:
    policy = commands.add_parser("policy", help="policy files").add_subparsers(dest="policy_command", required=True)
    validate = policy.add_parser("validate", help="check policy files (and the shape of their *_test.yaml files)")
    validate.add_argument("path", nargs="?")
    validate.set_defaults(handler=_policy_validate)
    test = policy.add_parser("test", help="run the policy tests (*_test.yaml beside the policies)")
    test.add_argument("path", nargs="?", help="a policy folder or one test file (default: the policy folder)")
    test.set_defaults(handler=_policy_test)
