"""Print the mutation score of the last `mutmut run`: killed / (mutants run - equivalent ones).

    python tools/mutation_score.py ['procedures.calendar.*' ...]

A mutant that made the tests run past mutmut's timeout (an endless loop: the suite never
passes) counts as caught, and is shown apart from those a failing test killed.

Reads `mutmut results --all true` (run from the project root, after `mutmut run`). The patterns
(mutmut's mutant names, shell-style) pick the mutants counted, as `mutmut run PATTERN` picks
those run; mutants never run ("not checked") are left out. Mutants that cannot change what the
code does are listed, each with the reason, in tools/mutation_equivalent.toml: they do not count,
and one listed there that a test now kills is reported, so the list stays true.
"""
from __future__ import annotations

import fnmatch
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

EQUIVALENT = Path(__file__).with_name("mutation_equivalent.toml")
CAUGHT = ("killed", "timeout")  # a timeout: the mutant made the tests loop past mutmut's limit


def results() -> dict[str, str]:
    mutmut = Path(sys.executable).with_name("mutmut")
    out = subprocess.run([str(mutmut), "results", "--all", "true"], capture_output=True, text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            found[name] = status
    return found


def main(patterns: list[str]) -> int:
    equivalent = tomllib.loads(EQUIVALENT.read_text())["equivalent"] if EQUIVALENT.exists() else {}
    chosen = {name: status for name, status in results().items()
              if status != "not checked" and (not patterns or any(fnmatch.fnmatch(name, p) for p in patterns))}
    if not chosen:
        print("No mutants have been run: run `mutmut run` first.")
        return 1
    counts = Counter(chosen.values())
    killed_equivalent = sorted(n for n in equivalent if chosen.get(n) in CAUGHT)
    equivalent_here = [n for n in equivalent if chosen.get(n) not in (None, *CAUGHT)]
    survivors = sorted(n for n, s in chosen.items() if s not in CAUGHT and n not in equivalent)
    counted = len(chosen) - len(equivalent_here)
    caught = counts["killed"] + counts["timeout"]
    print(f"mutants run: {len(chosen)} ({', '.join(f'{s} {n}' for s, n in counts.most_common())})")
    print(f"equivalent (tools/mutation_equivalent.toml): {len(equivalent_here)}")
    print(f"score: {caught} caught ({counts['killed']} killed, {counts['timeout']} timed out) / {counted} "
          f"that change behaviour = {caught / counted:.1%}" if counted else "score: no mutant changes behaviour")
    for name in survivors:
        print(f"  not killed: {name} ({chosen[name]}): `mutmut show {name}`")
    for name in killed_equivalent:
        print(f"  listed as equivalent but killed (take it off the list): {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
