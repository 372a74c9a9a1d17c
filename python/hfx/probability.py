"""Probability distributions with pyhf's interface (pyhf.probability), on numpy and scipy.

They are the building blocks of a hand-written likelihood (a model that is not a
HistFactory workspace, as in pyhf's examples): ``Poisson(rate)`` and ``Normal(loc,
scale)`` batched over their parameters' last axis, ``Independent`` (the sum of a batch's
log-probabilities), and ``Simultaneous`` (several pdfs over the pieces of one dataset).
hfx's own models evaluate their likelihood in C++ and do not use these classes.
"""

import numpy as np
from scipy.special import gammaln, xlogy

__all__ = ["Independent", "Normal", "Poisson", "Simultaneous"]


class _Batched:
    """A distribution with one entry per element of its parameter arrays."""

    def expected_data(self):
        """The expected value of each entry."""
        raise NotImplementedError

    def _draw(self, size):
        raise NotImplementedError

    def sample(self, sample_shape=()):
        """Random draws (numpy's global generator), shape ``sample_shape + batch shape``."""
        return self._draw(tuple(sample_shape) + np.shape(self.expected_data()))


class Poisson(_Batched):
    """Poisson distributions with the given rates, continued to real-valued counts
    through the gamma function (as pyhf's): log p(n) = n log(rate) - rate - log Gamma(n + 1)."""

    def __init__(self, rate):
        self.rate = np.asarray(rate, dtype=float)

    def expected_data(self):
        return self.rate

    def log_prob(self, value):
        """log p(value), broadcast against the rates."""
        n = np.asarray(value, dtype=float)
        return xlogy(n, self.rate) - self.rate - gammaln(n + 1.0)

    def _draw(self, size):
        return np.random.poisson(np.broadcast_to(self.rate, size)).astype(float)


class Normal(_Batched):
    """Normal distributions with means ``loc`` and standard deviations ``scale``."""

    def __init__(self, loc, scale):
        self.loc = np.asarray(loc, dtype=float)
        self.scale = np.asarray(scale, dtype=float)

    def expected_data(self):
        return self.loc

    def log_prob(self, value):
        """log p(value), broadcast against loc and scale."""
        z = (np.asarray(value, dtype=float) - self.loc) / self.scale
        return -0.5 * z * z - np.log(self.scale) - 0.5 * np.log(2.0 * np.pi)

    def _draw(self, size):
        return np.random.normal(np.broadcast_to(self.loc, size), np.broadcast_to(self.scale, size))


class Independent:
    """A batch of independent distributions as one: its log-probability is the sum of
    the batch's over the last axis."""

    def __init__(self, batched_pdf, batch_size=None):
        self.batch_size = batch_size
        self._pdf = batched_pdf

    def expected_data(self):
        return self._pdf.expected_data()

    def sample(self, sample_shape=()):
        return self._pdf.sample(sample_shape)

    def log_prob(self, value):
        return np.sum(self._pdf.log_prob(value), axis=-1)


class Simultaneous:
    """Several pdfs over the pieces of one dataset. ``tensorviewer`` cuts a dataset into
    the pieces (``split(data)``, a list) and joins per-piece arrays (``stitch(list)``);
    only ``log_prob``, ``expected_data`` and ``sample`` need it."""

    def __init__(self, pdfobjs, tensorviewer, batch_size=None):
        self.tv = tensorviewer
        self._pdfobjs = list(pdfobjs)
        self.batch_size = batch_size

    def __iter__(self):
        return iter(self._pdfobjs)

    def __getitem__(self, index):
        return self._pdfobjs[index]

    def __len__(self):
        return len(self._pdfobjs)

    def _viewer(self):
        if self.tv is None:
            raise ValueError("Simultaneous: no tensorviewer to split or join the data")
        return self.tv

    def expected_data(self):
        return self._viewer().stitch([p.expected_data() for p in self._pdfobjs])

    def sample(self, sample_shape=()):
        return self._viewer().stitch([p.sample(sample_shape) for p in self._pdfobjs])

    def log_prob(self, data):
        pieces = self._viewer().split(data)
        return self._joint_logpdf([p.log_prob(d) for p, d in zip(self._pdfobjs, pieces)])

    @staticmethod
    def _joint_logpdf(terms):
        """The sum of the pieces' log-probabilities."""
        return np.sum(np.stack([np.asarray(t, dtype=float) for t in terms]), axis=0)
