"""The daemon's rooms (daemon/src/*/) and the floors they stand on: a file may include its
own room's headers and those of rooms on lower floors, never a room on its floor or above.
docs/architecture.md draws the same floors; a move that breaks them fails here, naming the
include.

    check_rooms.py DAEMON_SRC
"""

import re
import sys
from pathlib import Path

# Lowest first. Rooms on one floor do not know each other.
FLOORS = [
    ["base"],              # budgets, clocks, logging, run ids, calls onto the control loop
    ["reader", "files"],   # the confined HDF5 reader processes; which file, and when it changed
    ["runs"],              # a run's messages, counters, seal and registry
    ["delivery"],          # the publish socket and its peer guard
    ["watch", "fetch"],    # a watch's thread and its runs; the fetch channel
    ["control", "http"],   # the control channel; the HTTP endpoint
    ["service"],           # the daemon: start, config, signals, systemd, main loop
]
FLOOR_OF = {room: level for level, rooms in enumerate(FLOORS) for room in rooms}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def main(source):
    source = Path(source)
    problems = []
    for room_path in sorted(p for p in source.iterdir() if p.is_dir()):
        room = room_path.name
        if room not in FLOOR_OF:
            problems.append(f"{room_path}: a room with no floor: add it to FLOORS")
            continue
        for path in sorted(room_path.rglob("*.[ch]pp")):
            for included in INCLUDE.findall(path.read_text()):
                other = included.split("/")[0] if "/" in included else None
                if other is None or other == room:
                    continue  # generated headers (version.hpp) and the room's own
                if other not in FLOOR_OF:
                    problems.append(f"{path}: includes {included}, in no room")
                elif FLOOR_OF[other] >= FLOOR_OF[room]:
                    problems.append(f"{path}: includes {included}: {room} (floor "
                                    f"{FLOOR_OF[room]}) may not use {other} (floor "
                                    f"{FLOOR_OF[other]})")
    loose = sorted(p.name for p in source.glob("*.[ch]pp"))
    if loose:
        problems.append(f"{source}: files in no room: {', '.join(loose)}")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
