#!/usr/bin/env python3
"""A model of Terraform driving the batcher, to compare batching rules without running Terraform.

Terraform keeps P resources in flight; each resource calls the provider (one API call, L long
when sent alone or in a batch), then does S of its own serial work (state update, under a lock),
then the next resource starts. Rules compared, for 1000 creates:

  off       every call is sent at once, alone
  gc        group commit: sent at once when nothing is in flight, else in the next batch
            (which also goes when the open batch and the flight hold everyone)
  hold H    the batcher's rules: sent when everyone who can come is there (open + in flight
            = P), else H after the batch's first caller (H = L / 10 in coalesce.rs)

Run: python3 tests/bench/closed_loop.py
"""
import heapq
import random


def run(policy, n=1000, p=10, latency=0.100, serial=0.0125, hold=0.0, jitter=0.3, seed=1):
    rnd = random.Random(seed)
    events, seq = [], [0]

    def push(at, kind, data=None):
        seq[0] += 1
        heapq.heappush(events, (at, seq[0], kind, data))

    started = calls = in_flight = 0
    lock_free = last = 0.0
    open_batch, generation = [], [0]

    def send(now):
        nonlocal calls, in_flight
        batch = open_batch[:]
        open_batch.clear()
        generation[0] += 1
        calls += 1
        in_flight += len(batch)
        push(now + latency * (1 + rnd.uniform(-jitter, jitter)), "land", batch)

    def check(now):
        if not open_batch:
            return
        if policy == "off" or len(open_batch) >= 50 or len(open_batch) + in_flight >= p:
            return send(now)
        if policy == "gc" and in_flight == 0:
            return send(now)
        if policy == "hold":
            if now - open_batch[0] >= hold - 1e-12:
                return send(now)
            push(open_batch[0] + hold, "timer", generation[0])

    def submit(now):
        nonlocal started
        started += 1
        open_batch.append(now)
        check(now)

    for _ in range(p):
        submit(0.0)
    while events:
        now, _, kind, data = heapq.heappop(events)
        if kind == "land":
            in_flight -= len(data)
            for _ in data:
                lock_free = max(now, lock_free) + serial * (1 + rnd.uniform(-jitter, jitter))
                push(lock_free, "free")
            check(now)
        elif kind == "timer":
            if data == generation[0]:
                check(now)
        else:
            last = now
            if started < n:
                submit(now)
    return last, calls


if __name__ == "__main__":
    latency = 0.100
    for serial in [0.0125, 0.005, 0.002, 0.0005]:
        off, _ = run("off", serial=serial)
        row = [f"S = {serial * 1e3:4.1f} ms: off {off:5.2f} s"]
        for name, policy, hold in [("gc", "gc", 0), ("hold L/10", "hold", latency / 10), ("hold L/5", "hold", latency / 5)]:
            wall, calls = run(policy, serial=serial, hold=hold)
            row.append(f"{name} {wall / off:.2f}x wall, {calls} calls")
        print(" | ".join(row))
