"""Checks the test vectors with a third-party decoder: each NAME.msgpack, unpacked by the
`msgpack` package, must be exactly the map of its twin NAME.json: same keys in the same order,
same values, same types (an integer is not a float, true is not 1).

usage: /usr/bin/python3 check_vectors.py <directory>
"""

import json
import pathlib
import sys

import msgpack


class Pairs(list):
    """A map as its ordered (key, value) pairs, so key order is compared too."""


def differences(got, expected, where):
    if type(got) is not type(expected):
        return [f"{where}: {type(got).__name__} {got!r} != {type(expected).__name__} {expected!r}"]
    if isinstance(got, Pairs):
        got_keys = [k for k, _ in got]
        expected_keys = [k for k, _ in expected]
        if got_keys != expected_keys:
            return [f"{where}: keys {got_keys} != {expected_keys}"]
        found = []
        for (key, g), (_, e) in zip(got, expected):
            found += differences(g, e, f"{where}.{key}")
        return found
    if isinstance(got, list):
        if len(got) != len(expected):
            return [f"{where}: {len(got)} items != {len(expected)}"]
        found = []
        for i, (g, e) in enumerate(zip(got, expected)):
            found += differences(g, e, f"{where}[{i}]")
        return found
    return [] if got == expected else [f"{where}: {got!r} != {expected!r}"]


def check(path):
    twin = path.with_suffix(".json")
    if not twin.exists():
        return [f"{path.name}: no {twin.name}"]
    unpacked = msgpack.unpackb(path.read_bytes(), raw=False, strict_map_key=True,
                               object_pairs_hook=Pairs)
    expected = json.loads(twin.read_text(encoding="utf-8"), object_pairs_hook=Pairs)
    if not isinstance(unpacked, Pairs):
        return [f"{path.name}: not a map"]
    return [f"{path.name}: {d}" for d in differences(unpacked, expected, "$")]


def main():
    directory = pathlib.Path(sys.argv[1])
    vectors = sorted(directory.glob("*.msgpack"))
    if not vectors:
        print(f"no vectors in {directory}")
        return 1
    problems = []
    for path in vectors:
        try:
            problems += check(path)
        except Exception as error:  # a vector the decoder refuses is a finding, not a crash
            problems.append(f"{path.name}: {type(error).__name__}: {error}")
    for twin in sorted(directory.glob("*.json")):
        if not twin.with_suffix(".msgpack").exists():
            problems.append(f"{twin.name}: no {twin.with_suffix('.msgpack').name}")
    for problem in problems:
        print(problem)
    print(f"{len(vectors)} vectors checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
