"""The parts of the swmrd soak (bench/soak.py is its entry point, and prints the verdict).

    shared.py          what every thread shares: options, counts, anomalies, checked control
    daemon_process.py  the daemon under test: config, start, log, stop
    scans.py           the swmr-sim writer, and the deletion of old scans
    subscribers.py     the tally, subscribers that come and go, one that stalls, DataSource
    control_loop.py    control watches started and stopped, and the requests around them
    fetch_loop.py      fetches of listed runs (some of deleted files), long polls, bad ones
    misbehaving.py     clients that misbehave (HTTP, fetch, a huge declaration); refusals
    workers.py         the worker threads, and their parking during a quiet point
    figures.py         RSS/threads/descriptors, sampled busy and at quiet points; flatness
    timeline.py        the parts put together: start, warm-up, quiet points, stop
"""
