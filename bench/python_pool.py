"""CPython multiprocessing.Pool on the bench's workloads.

Usage: python3 python_pool.py <pool|serial> <workload> [params-json]

Same protocol as child.mjs: prints one line `@@RESULT {json}` (or
`@@ERROR message`). The start method is the platform default (fork on Linux
up to Python 3.13). Peak memory adds up VmHWM of the main process and of every
pool worker process (workers are processes here, threads in JavaScript).
"""

import json
import multiprocessing as mp
import re
import sys
import time
import traceback

MiB = 1024 * 1024
# ~150 ms of the same integer work as workers/tasks.mjs' spin() in CPython 3.11
# on this machine (the JavaScript count, 95M, would take ~15 s here).
SPIN_N = 1_600_000


def tiny(x):
    return x + 1


def double(x):
    return x * 2


def nap(ms):
    time.sleep(ms / 1000)
    return ms


def spin(n):
    x = 1
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        x ^= x >> 7
    return x


def proc_status(field, pid="self"):
    try:
        with open(f"/proc/{pid}/status") as f:
            m = re.search(rf"^{field}:\s+(\d+) kB", f.read(), re.M)
        return int(m.group(1)) * 1024 if m else 0
    except OSError:
        return 0


def pool_peak(pool):
    """VmHWM of this process plus every worker process."""
    return proc_status("VmHWM") + sum(proc_status("VmHWM", p.pid) for p in pool._pool)


def check(ok, what):
    if not ok:
        raise RuntimeError(f"wrong result: {what}")


def now_ms():
    return time.perf_counter() * 1000


def w_tiny(P):
    n = P["tinyCount"]
    with mp.Pool(P["processes"]) as pool:
        [r.get() for r in [pool.apply_async(tiny, (i,)) for i in range(100)]]
        t0 = now_ms()
        rs = [pool.apply_async(tiny, (i,)) for i in range(n)]
        out = [r.get() for r in rs]
        ms = now_ms() - t0
        peak = pool_peak(pool)
    check(len(out) == n and out[-1] == n, "tiny")
    return {"ms": ms, "perSec": n / ms * 1000, "peakMiB": peak / MiB}


def w_map(P):
    m = P["mapItems"]
    arr = list(range(m))
    with mp.Pool(P["processes"]) as pool:
        pool.map(tiny, range(4))
        t0 = now_ms()
        out = pool.map(double, arr)
        ms = now_ms() - t0
        peak = pool_peak(pool)
    check(len(out) == m and out[-1] == 2 * (m - 1), "map")
    return {"ms": ms, "peakMiB": peak / MiB}


def w_cpu(P, serial):
    args = [P.get("pySpinN", SPIN_N)] * P["cpuTasks"]
    if serial:
        t0 = now_ms()
        out = [spin(a) for a in args]
        return {"ms": now_ms() - t0}
    with mp.Pool(P["processes"]) as pool:
        pool.map(tiny, range(4))
        t0 = now_ms()
        out = [r.get() for r in [pool.apply_async(spin, (a,)) for a in args]]
        ms = now_ms() - t0
    check(len(out) == len(args), "cpu")
    return {"ms": ms}


def w_seq(P):
    k = P["seqCount"]
    with mp.Pool(P["processes"]) as pool:
        for i in range(200):
            pool.apply(tiny, (i,))
        t0 = now_ms()
        s = 0
        for i in range(k):
            s += pool.apply(tiny, (i,))
        ms = now_ms() - t0
    check(s == k * (k + 1) // 2, "seq")
    return {"ms": ms, "usPerCall": ms / k * 1000}


def w_startup(P):
    t0 = now_ms()
    pool = mp.Pool(P["processes"])
    r = pool.apply(tiny, (1,))
    ms = now_ms() - t0
    check(r == 2, "startup")
    pool.terminate()
    pool.join()
    return {"ms": ms}


def w_imap(P):
    n = P["imapItems"]

    def gen():
        for i in range(n):
            yield i

    with mp.Pool(P["processes"]) as pool:
        [r.get() for r in [pool.apply_async(tiny, (i,)) for i in range(100)]]
        time.sleep(0.05)
        idle = proc_status("VmRSS")
        max_rss = idle
        s = i = 0
        t0 = now_ms()
        for r in pool.imap(tiny, gen(), P["imapChunksize"]):
            s += r
            i += 1
            if i % 100_000 == 0:
                max_rss = max(max_rss, proc_status("VmRSS"))
        ms = now_ms() - t0
        max_rss = max(max_rss, proc_status("VmRSS"))
    check(i == n and s == n * (n + 1) // 2, "imap")
    return {"ms": ms, "growthMiB": (max_rss - idle) / MiB, "idleMiB": idle / MiB}


def w_sleep(P):
    """sleepTasks tasks of sleepMs each, chunksize 1 (bench/cluster.mjs's scale-out anchor)."""
    n, ms = P["sleepTasks"], P["sleepMs"]
    with mp.Pool(P["processes"]) as pool:
        pool.map(tiny, range(P["processes"] * 2), chunksize=1)
        t0 = now_ms()
        out = pool.map(nap, [ms] * n, chunksize=1)
        ms_total = now_ms() - t0
    check(len(out) == n, "sleep")
    return {"ms": ms_total}


def main():
    who, workload = sys.argv[1], sys.argv[2]
    P = {
        "processes": 2,
        "tinyCount": 100_000,
        "mapItems": 1_000_000,
        "cpuTasks": 8,
        "seqCount": 2_000,
        "imapItems": 10_000_000,
        "imapChunksize": 1_000,
        "sleepTasks": 40,
        "sleepMs": 50,
    }
    P.update(json.loads(sys.argv[3]) if len(sys.argv) > 3 else {})
    try:
        if workload == "cpu":
            res = w_cpu(P, who == "serial")
        elif who == "serial":
            raise RuntimeError("serial runs only the cpu workload")
        else:
            res = {"tiny": w_tiny, "map": w_map, "seq": w_seq, "startup": w_startup, "imap": w_imap, "sleep": w_sleep}[workload](P)
        print("@@RESULT " + json.dumps(res), flush=True)
    except Exception:
        print("@@ERROR " + " | ".join(traceback.format_exc().strip().splitlines()[-3:]), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
