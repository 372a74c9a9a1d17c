"""Exceptions raised by hfx, named as pyhf.exceptions names them.

Errors raised in the C++ core (hfx::Error and its subclasses) arrive as the class of the
same name here; every class derives from :class:`HfxError` as well as from ``Exception``.
"""

__all__ = [
    "HfxError",
    "FailedMinimization",
    "IOError",
    "ImportBackendError",
    "InvalidArchive",
    "InvalidArchiveHost",
    "InvalidBackend",
    "InvalidInterpCode",
    "InvalidMeasurement",
    "InvalidModel",
    "InvalidModifier",
    "InvalidNameReuse",
    "InvalidOptimizer",
    "InvalidPatch",
    "InvalidPatchLookup",
    "InvalidPatchSet",
    "InvalidPdfData",
    "InvalidPdfParameters",
    "InvalidSpecification",
    "InvalidTestStatistic",
    "InvalidWorkspaceOperation",
    "PatchSetVerificationError",
    "SchemaNotFound",
    "Unsupported",
    "UnspecifiedPOI",
]


class HfxError(Exception):
    """Base class of every hfx exception (not in pyhf, which has no common base)."""


class Unsupported(HfxError, ValueError):
    """An option or combination of options hfx does not support. Also a ValueError."""


class InvalidMeasurement(HfxError):
    """A measurement that does not exist or is ambiguous."""


class InvalidNameReuse(HfxError):
    """The same parameter name used in incompatible ways."""


class InvalidSpecification(HfxError):
    """The document is not valid JSON or not a valid HistFactory document (with its JSON path)."""


class InvalidArchive(HfxError):
    """A downloaded likelihood archive that is missing or not a tar/zip archive."""


class InvalidArchiveHost(HfxError):
    """A likelihood archive host that is not trusted (HEPData, doi.org) without force."""


class SchemaNotFound(HfxError, FileNotFoundError):
    """A JSON Schema document that is not in the schema directory (hfx.schema.path)."""


class InvalidPatchSet(InvalidSpecification):
    """A patchset that passes the schema but is inconsistent."""


class InvalidPatch(HfxError):
    """A JSON Patch that cannot be applied."""


class InvalidPatchLookup(HfxError):
    """A patch that is not in the patchset."""


class PatchSetVerificationError(HfxError):
    """The workspace's digest does not match the patchset's."""


class InvalidWorkspaceOperation(HfxError):
    """A prune/rename/combine request that cannot be carried out."""


class UnspecifiedPOI(HfxError):
    """An inference request on a model that has no parameter of interest."""


class InvalidModel(InvalidSpecification):
    """The document does not describe a consistent model (a sample whose bins differ from
    its channel's, a POI that is not a parameter, ...)."""


class InvalidModifier(InvalidSpecification):
    """A modifier of unknown type or whose data does not fit its sample."""


class InvalidInterpCode(HfxError):
    """An unknown interpolation code."""


class InvalidTestStatistic(HfxError):
    """An unknown test statistic."""


class ImportBackendError(HfxError):
    """A tensor backend hfx does not provide (only numpy)."""


class InvalidBackend(HfxError):
    """A tensor backend hfx does not provide (only numpy)."""


class InvalidOptimizer(HfxError):
    """An optimizer hfx does not provide (hfx uses its own minimizer)."""


class InvalidPdfParameters(HfxError, ValueError):
    """Parameters (pars, init_pars, par_bounds, fixed_params, a POI value) of the wrong
    length, shape or values. Also a ValueError."""


class InvalidPdfData(HfxError, ValueError):
    """Data of the wrong length, shape or values. Also a ValueError."""


class FailedMinimization(HfxError):
    """A fit that did not converge."""

    def __init__(self, result=None):
        self.result = result
        message = getattr(result, "message", result)
        super().__init__(message if message is not None else "minimization failed")


class IOError(HfxError, OSError):  # noqa: A001 - the C++ kind's name
    """Reading a file failed."""
