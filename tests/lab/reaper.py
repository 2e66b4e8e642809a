#!/usr/bin/python3
"""Child subreaper for the lab's daemons.

    reaper.py PIDFILE CMD [ARG...]

smbd -D and samba-dcerpcd daemonise: their processes are re-parented to the
nearest "child subreaper", or to PID 1. Some sandboxes run a PID 1 that never
reaps, so every smbd (and every per-connection fork) would stay a zombie after
`lab.sh down`. This process marks itself as subreaper (prctl
PR_SET_CHILD_SUBREAPER), runs CMD (which starts the daemons), writes its own
pid to PIDFILE and then reaps whatever is re-parented to it until it gets
SIGTERM. `lab.sh down` stops every other process of the namespace first, waits
for them to be reaped, and stops this one last.
"""
import ctypes
import os
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    pidfile, cmd = sys.argv[1], sys.argv[2:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("reaper: prctl failed", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    rc = subprocess.call(cmd)
    with open(pidfile + ".tmp", "w") as f:
        f.write(f"{os.getpid()} {rc}\n")
    os.rename(pidfile + ".tmp", pidfile)
    while True:
        try:
            os.wait()
        except ChildProcessError:
            time.sleep(0.5)  # no child right now; orphans may still arrive
        except InterruptedError:
            pass


if __name__ == "__main__":
    sys.exit(main())
