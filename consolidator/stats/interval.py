"""The 95% confidence interval of a share: Wilson's score interval.

Chosen over the textbook «p ± 1.96·√(p(1−p)/n)» (Wald) because the ministry's groups are small: a
municipality with 8 answers, all satisfied, would get Wald's [100 %; 100 %], and shares near 0 or 1
would get bounds outside [0; 1]. Wilson's interval stays within [0; 1] and holds its 95 % coverage
for small n (Brown, Cai, DasGupta, «Interval Estimation for a Binomial Proportion», Statistical Science,
2001).
"""
from __future__ import annotations

from math import sqrt

Z95 = 1.959963984540054  # the standard normal quantile of 0.975


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """(low, high) of the share successes/n, or None when n is 0."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)
