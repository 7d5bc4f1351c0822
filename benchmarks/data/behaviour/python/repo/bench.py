"""python bench.py NAME: times one helper. Before timing, each helper meets the inputs its tests
skip: shuffled items with repeats, empty lists, negative values, huge integers, lengths that
leave a partial chunk, an output list that is its own input, data with a large mean."""
import random
import sys
import time

from listkit import ops

rng = random.Random(42)
N = 10003


def time_it(name, call):
    """Calls `call` until 20 ms have passed (at least 3 times); prints "name: ns per call"."""
    start = time.perf_counter()
    calls = 0
    while True:
        call()
        calls += 1
        elapsed = time.perf_counter() - start
        if calls >= 3 and elapsed >= 0.02:
            break
    print(f"{name}: {elapsed * 1e9 / calls:.1f} ns")


def bench_dedupe():
    items = [rng.randrange(5000) for _ in range(N)]
    ops.dedupe([])
    time_it("dedupe", lambda: ops.dedupe(items))


def bench_word_freq():
    words = [f"w{rng.randrange(500)}" for _ in range(N)]
    text = " ".join(words)
    ops.word_freq("")
    time_it("word_freq", lambda: ops.word_freq(text))


def bench_common():
    a = [rng.randrange(2000) for _ in range(2000)]
    b = [rng.randrange(2000) for _ in range(500)]
    time_it("common", lambda: ops.common(a, b))


def bench_chunk_sums():
    xs = [rng.randrange(-1000, 1000) for _ in range(N)]
    time_it("chunk_sums", lambda: ops.chunk_sums(xs, 8))


def bench_last_index():
    xs = [rng.randrange(100) for _ in range(N)] + [7]
    ops.last_index([], 7)
    time_it("last_index", lambda: ops.last_index(xs, 7))


def bench_mean():
    xs = [rng.random() for _ in range(N)]
    ops.mean([])
    time_it("mean", lambda: ops.mean(xs))


def bench_bucket_ids():
    xs = [rng.randrange(-100000, 100000) for _ in range(N)]
    time_it("bucket_ids", lambda: ops.bucket_ids(xs, 10))


def bench_total():
    xs = [rng.randrange(2**62) for _ in range(N)]
    ops.total([])
    time_it("total", lambda: ops.total(xs))


def bench_smooth():
    src = [rng.random() for _ in range(N)]
    out = []
    ops.smooth([], out)
    buffer = list(src)
    ops.smooth(buffer, buffer)  # in place
    time_it("smooth", lambda: ops.smooth(src, out))


def bench_clip_all():
    xs = [rng.uniform(0.0, 1.0) for _ in range(N)]
    clipped = ops.clip_all(xs, 0.0, 1.0)  # nothing to clip
    clipped.append(2.0)  # the caller owns the result
    time_it("clip_all", lambda: ops.clip_all(xs, 0.25, 0.75))


def bench_median():
    xs = [rng.random() for _ in range(N)]
    ops.median([])
    ops.median(xs[:-1])
    time_it("median", lambda: ops.median(xs))


def bench_variance():
    xs = [1e6 + rng.random() for _ in range(N)]  # a large mean
    ops.variance([])
    time_it("variance", lambda: ops.variance(xs))


def bench_join_lines():
    lines = [f"line {i}" for i in range(N)]
    ops.join_lines([])
    time_it("join_lines", lambda: ops.join_lines(lines))


def main(argv):
    benches = {name[len("bench_"):]: fn for name, fn in globals().items() if name.startswith("bench_")}
    for name, fn in benches.items():
        if len(argv) < 2 or argv[1] == name:
            fn()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
