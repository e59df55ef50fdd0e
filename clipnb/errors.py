"""clipnb's exceptions: each message says what was wrong and what to do."""


class ClipnbError(Exception):
    """Base class of clipnb's own errors."""


class UnknownModelError(ClipnbError, ValueError):
    """A model name or pretrained tag that open_clip does not know."""


class ModelNotAvailableError(ClipnbError, RuntimeError):
    """Weights that are neither cached nor downloadable right now."""


class ImageLoadError(ClipnbError, ValueError):
    """A file that is not a readable image."""


class CacheError(ClipnbError, OSError):
    """A cache folder that cannot be written."""


class EmptyCorpusError(ClipnbError, ValueError):
    """A folder with no images in it."""
