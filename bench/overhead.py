"""Gateway overhead: the full proxy path against calling the same loopback upstream directly.

Usage: ``python -m bench.overhead [--workers 2] [--duration 8] [--concurrency 1 16 64] [--sizes 1024 8192] [--repeat]
[--warmup 5]``

Starts ``bench.stub_upstream`` and the real ``gateway serve --workers N`` (fresh data
directory, SQLite audit store, a key made with ``gateway keys create``), then drives
both with ``wrk`` (Debian package) at each concurrency and prompt size, direct and
through the gateway alternately. Every request body is unique (a counter in the
random lower-case letters in the prompt), so the findings cache never hits: this is the cost of a new prompt.
Prompts hold no regulated values, so the decision is ``allow`` and the request is
forwarded (checked before the runs).

With ``--repeat`` the 50 bodies of each size are sent over and over unchanged, so after
the warm-up every scan is a findings-cache hit (as the history an AI tool resends on
every turn is): what remains is the proxy path's own cost (auth, parsing, the cache
lookup, the decision, the audit record and its outcome, forwarding).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.prompts import prompt_of_size
from bench.serving import gateway, stub_upstream

_LUA = r"""
local bodies = {}
init = function(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  counter = 0
  math.randomseed(os.time() + tonumber(string.sub(tostring({}), 8), 16))
  wrk.headers["Content-Type"] = "application/json"
end
request = function()
  counter = counter + 1
  local tag = ""
  for _ = 1, 12 do tag = tag .. string.char(math.random(97, 122)) end
  local body = (string.gsub(bodies[(counter % #bodies) + 1], "@@N@@", tag))
  return wrk.format("POST", nil, nil, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass(frozen=True)
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    bad_status: int
    socket_errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def _bodies(size: int, count: int = 50, *, tag: str = "@@N@@") -> list[str]:
    rng = random.Random(size)
    bodies = []
    for n in range(count):
        prompt = f"Request {tag.replace('#', str(n))}. " + prompt_of_size(rng, size, sensitive=[])
        bodies.append(json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": prompt[:size]}]}))
    return bodies


def _wrk(url: str, key: str | None, body_file: Path, script: Path, concurrency: int, duration: int) -> Run:
    threads = min(2, concurrency)
    command = ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{duration}s", "--timeout", "30s", "-s", str(script)]
    if key:
        command += ["-H", f"Authorization: Bearer {key}"]
    output = subprocess.run([*command, url, "--", str(body_file)], capture_output=True, text=True, check=True).stdout
    fields = next(line for line in output.splitlines() if line.startswith("RESULT")).split()[1:]
    requests, micros, p50, p99, status, errors = (int(f) for f in fields)
    return Run(requests, micros / 1e6, p50 / 1000, p99 / 1000, status, errors)


def _check_allowed(base_url: str, key: str, body: str) -> None:
    response = httpx.post(
        f"{base_url}/v1/chat/completions",
        content=body.replace("@@N@@", "0"),
        headers={"Authorization": f"Bearer {key}", "content-type": "application/json"},
        timeout=60,
    )
    decision = response.headers.get("x-gateway-decision")
    route = response.headers.get("x-gateway-route")
    if response.status_code != 200 or decision != "allow" or route != "upstream":
        raise RuntimeError(f"benchmark prompt not forwarded: {response.status_code} {decision} {route}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 8192])
    parser.add_argument("--repeat", action="store_true", help="resend 50 fixed bodies: findings-cache hits")
    parser.add_argument(
        "--warmup", type=int, default=5,
        help="seconds of warm-up load first (the detection workers compile their pattern prefilters in the background "
        "at the lowest priority, which under load takes tens of seconds; until then every pattern runs)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")

    with tempfile.TemporaryDirectory(prefix="gw-overhead-") as tmp, stub_upstream() as upstream:
        script = Path(tmp) / "post.lua"
        script.write_text(_LUA)
        files = {}
        for size in args.sizes:
            files[size] = Path(tmp) / f"bodies-{size}.jsonl"
            bodies = _bodies(size, tag="#") if args.repeat else _bodies(size)
            files[size].write_text("\n".join(bodies) + "\n")
        with gateway(upstream, workers=args.workers) as gw:
            for size in args.sizes:
                _check_allowed(gw.base_url, gw.key, _bodies(size)[0])
            direct_url = f"{upstream}/chat/completions"
            gateway_url = f"{gw.base_url}/v1/chat/completions"
            # Warm up: both workers loaded and serving, connection pools open.
            for size in args.sizes if args.repeat else args.sizes[:1]:  # --repeat: every body scanned once
                _wrk(gateway_url, gw.key, files[size], script, 16, args.warmup)
            bodies = "repeated bodies (findings-cache hits)" if args.repeat else "unique bodies"
            print(
                f"gateway serve --workers {args.workers}; wrk, {args.duration} s per run; {bodies}; "
                "direct and gateway alternate"
            )
            print()
            print("| prompt | concurrency | direct p50 ms | direct p99 ms | direct req/s | gateway p50 ms | "
                  "gateway p99 ms | gateway req/s | added p50 ms | added p99 ms | req/s ratio |")  # fmt: skip
            print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
            for size in args.sizes:
                for concurrency in args.concurrency:
                    direct = _wrk(direct_url, None, files[size], script, concurrency, args.duration)
                    through = _wrk(gateway_url, gw.key, files[size], script, concurrency, args.duration)
                    bad = through.bad_status + through.socket_errors + direct.bad_status + direct.socket_errors
                    print(
                        f"| {size} | {concurrency} | {direct.p50_ms:.2f} | {direct.p99_ms:.2f} | {direct.rps:.0f} | "
                        f"{through.p50_ms:.2f} | {through.p99_ms:.2f} | {through.rps:.0f} | "
                        f"{through.p50_ms - direct.p50_ms:.2f} | {through.p99_ms - direct.p99_ms:.2f} | "
                        f"{through.rps / direct.rps:.3f} |" + (f" errors: {bad}" if bad else ""),
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
