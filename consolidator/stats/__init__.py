"""What a survey's accepted answers add up to: the share satisfied with its confidence interval, the
distribution of every closed answer, the mean, median and distribution of every score, the same by
municipality and by month, and the open answers by resource (`survey`); the interval itself
(`interval`).

The tally is plain numbers and lists (no frame leaves it): the outputs that print it need no pandas.

Imports: profile, model, speed. numpy and pandas only inside `survey`'s tally.
"""
