"""No membership by inference, at scale: the property test of tests/support/inference.py over
thousands of random districts.

    python -m bench.inference                   # 2,000 districts, 4 variants of each message
    python -m bench.inference --districts 10000 --variants 8

For each district: a random set of groups, people with roster and mentoring traits, memberships,
the groups each chose to be matched on, facilitators and admins; matching plans the pairs; every
offer to each of a pair and the dry run's line for the pair (as the DEI office reads it) is
compared with the same message in districts where everything its reader may not see was drawn
again. It stops at the first message that differs (a leak) and says which.
"""

from __future__ import annotations

import argparse
import time

from tests.support.inference import VARIANTS, check_district


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=2000)
    parser.add_argument("--variants", type=int, default=VARIANTS)
    parser.add_argument("--first-seed", type=int, default=10_000)
    args = parser.parse_args()
    started = time.perf_counter()
    compared = 0
    for seed in range(args.first_seed, args.first_seed + args.districts):
        compared += check_district(seed, args.variants)
    elapsed = time.perf_counter() - started
    print(
        f"{args.districts} random districts, {args.variants} variants per message: {compared:,} messages compared, "
        f"no leak; {elapsed:.1f} s ({elapsed / args.districts * 1000:.1f} ms per district)"
    )


if __name__ == "__main__":
    main()
