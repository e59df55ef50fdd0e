"""Query algebra: weighted sums of texts, images and embeddings, and a text syntax for them.

Python::

    q = text("a person running in front of trees") - 0.3 * text("winter") - 0.5 * text("forest")
    q = image("forest.jpg") - 0.5 * text("forest")

Text syntax (``Query.parse``)::

    a person running in front of trees - 0.3*winter - 0.5*forest
    img:photos/forest.jpg - 0.5:forest          # rclip's weight:term works too
    "rock - paper + scissors" + 0.5*"t-shirt"   # quotes keep + and - inside a phrase

An operator is a ``+`` or ``-`` at the start or after a space, so "t-shirt" needs no quotes.
A weight is a number followed by ``*`` or ``:``. An image term is ``img:PATH`` (quote paths with spaces).

Semantics: every term's embedding is a unit vector; the query is their weighted sum,
renormalised. Scores are true cosines to that composed vector. A sum that cancels out
(length ~0) is an error, never NaNs.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clipnb.images import is_image_path

MIN_NORM = 1e-4


class QueryError(ValueError):
    """A query that cannot be parsed or composed; the message says where and what."""


@dataclass(frozen=True)
class Term:
    kind: str           # "text", "image" or "embedding"
    value: object       # the text, the image (path or PIL), or the vector
    weight: float = 1.0
    label: str = ""

    def describe(self, name_only: bool = False) -> str:
        """The term in the query syntax (parses back to it); ``name_only``: an image by its file name, for reading."""
        if self.kind == "text":
            needs_quotes = re.search(r"(^|\s)[+-]|[\"*:]|^\s|\s$|^\d", self.value)
            body = f'"{self.value}"' if needs_quotes else self.value
        elif self.kind == "image":
            path = str(self.value) if isinstance(self.value, (str, os.PathLike)) else self.label or "PIL image"
            path = os.path.basename(path) if name_only and isinstance(self.value, (str, os.PathLike)) else path
            body = f'img:"{path}"' if " " in path else f"img:{path}"
        else:
            body = f"<{self.label or 'embedding'}>"
        return body


class Query:
    """A weighted sum of terms. Combine with +, -, and multiplication by numbers."""

    def __init__(self, terms):
        self.terms = tuple(terms)

    def __add__(self, other):
        return Query(self.terms + _as_query(other).terms)

    def __radd__(self, other):
        return _as_query(other) + self

    def __sub__(self, other):
        return self + (-1.0) * _as_query(other)

    def __rsub__(self, other):
        return _as_query(other) - self

    def __mul__(self, factor):
        if not isinstance(factor, (int, float, np.floating, np.integer)) or isinstance(factor, bool):
            raise TypeError(f"a query can only be multiplied by a number, not {type(factor).__name__}")
        return Query(Term(t.kind, t.value, t.weight * float(factor), t.label) for t in self.terms)

    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __eq__(self, other):
        """Same terms: kind, weight, label and value (vectors compared element by element)."""
        if not isinstance(other, Query) or len(self.terms) != len(other.terms):
            return False
        for a, b in zip(self.terms, other.terms):
            if (a.kind, a.weight, a.label) != (b.kind, b.weight, b.label):
                return False
            if a.kind == "embedding":
                if not np.array_equal(np.asarray(a.value), np.asarray(b.value)):
                    return False
            elif a.value is not b.value and str(a.value) != str(b.value):
                return False
        return True

    def __hash__(self):
        return hash(str(self))

    def __str__(self):
        parts = []
        for i, t in enumerate(self.terms):
            sign = "-" if t.weight < 0 else "+"
            magnitude = abs(t.weight)
            body = t.describe() if magnitude == 1 else f"{magnitude:g}*{t.describe()}"
            parts.append((f"-{body}" if sign == "-" else body) if i == 0 else f" {sign} {body}")
        return "".join(parts)

    def __repr__(self):
        return f"Query({str(self)!r})"

    @classmethod
    def parse(cls, source: str) -> "Query":
        return parse(source)

    def term_vectors(self, model) -> np.ndarray:
        """(T, D) unit vectors of the terms; texts come from the model's memo, so nothing is re-encoded."""
        vectors = []
        for t in self.terms:
            if t.kind == "text":
                vectors.append(model.encode_text([t.value])[0].numpy())
            elif t.kind == "image":
                vectors.append(_image_vector(model, t.value))
            else:
                vectors.append(_unit(np.asarray(t.value, np.float32).reshape(-1), model))
        return np.stack(vectors)

    def vector(self, model) -> np.ndarray:
        """The composed query: normalize(sum of weight × unit term vector), float32 (D,)."""
        raw = self._raw(model)
        return (raw / np.linalg.norm(raw)).astype(np.float32)

    def _raw(self, model):
        if not self.terms:
            raise QueryError("the query has no terms: give at least one text or image")
        weights = np.array([t.weight for t in self.terms], np.float32)
        raw = weights @ self.term_vectors(model)
        norm = float(np.linalg.norm(raw))
        if not np.isfinite(norm) or norm < MIN_NORM:
            raise QueryError(f"the terms of '{self}' cancel out (the weighted sum has length {norm:.2g}): "
                             "there is no direction left to search; change a weight or add a term")
        return raw

    def explain(self, model):
        """Each term's weight, its cosine to the composed query, and its share of the score.

        With s = Σ wᵢ tᵢ and q = s / |s|: 1 = q·q = Σ wᵢ (tᵢ·q) / |s|, so the shares add up to 1.
        """
        import pandas as pd

        raw = self._raw(model)
        norm = float(np.linalg.norm(raw))
        q = raw / norm
        vectors = self.term_vectors(model)
        cos = vectors @ q
        table = pd.DataFrame({"term": [t.describe(name_only=True) for t in self.terms], "kind": [t.kind for t in self.terms],
                              "weight": [t.weight for t in self.terms], "cosine to query": cos,
                              "share": [t.weight * c / norm for t, c in zip(self.terms, cos)]})
        table.attrs["norm"] = norm
        table.attrs["query"] = str(self)
        return table


def _image_vector(model, value) -> np.ndarray:
    """An image term's unit vector, encoded once per model and file version (path, size, mtime):
    a slider move or an ``explain`` reuses it instead of decoding and encoding the image again."""
    if not isinstance(value, (str, os.PathLike)):
        return model.encode_image([value])[0].numpy()
    path = Path(value).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"image term img:{value}: no such file (relative paths start in the current "
                                f"folder, {Path.cwd()})")
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    memo = model.__dict__.setdefault("_image_term_memo", {})
    if key not in memo:
        memo[key] = model.encode_image([path])[0].numpy()
    return memo[key]


def text(value: str, weight: float = 1.0) -> Query:
    if not isinstance(value, str) or not value.strip():
        raise QueryError(f"a text term must be a non-empty string, not {value!r}")
    return Query([Term("text", value.strip(), float(weight))])


def image(value, weight: float = 1.0) -> Query:
    from PIL import Image

    if not isinstance(value, (str, os.PathLike, Image.Image)):
        raise QueryError(f"an image term must be a path or a PIL image, not {type(value).__name__}")
    label = Path(value).name if isinstance(value, (str, os.PathLike)) else "PIL image"
    return Query([Term("image", value, float(weight), label)])


def embedding(vector, label: str = "embedding", weight: float = 1.0) -> Query:
    if hasattr(vector, "detach"):
        vector = vector.detach().cpu().numpy()
    return Query([Term("embedding", np.asarray(vector, np.float32).reshape(-1), float(weight), label)])


def _unit(vector, model):
    if vector.shape != (model.embed_dim,):
        raise ValueError(f"an embedding query must have shape ({model.embed_dim},) for {model.name}, not {vector.shape}")
    norm = float(np.linalg.norm(vector))
    if not np.isfinite(norm) or norm < 1e-6:
        raise ValueError("the query embedding is zero (or not finite): it points nowhere, so nothing can be ranked")
    return (vector / norm).astype(np.float32)


def _as_query(value) -> Query:
    if isinstance(value, Query):
        return value
    if isinstance(value, str):
        return parse(value)
    from PIL import Image

    if isinstance(value, (os.PathLike, Image.Image)):
        return image(value)
    if hasattr(value, "shape"):
        return embedding(value)
    raise TypeError(f"cannot make a query term from {type(value).__name__}")


_NUMBER = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*[*:]\s*")


def _caret(source, position, message):
    return QueryError(f"{message} at position {position}:\n  {source}\n  {' ' * position}^")


def parse(source: str) -> Query:
    """Parse the text syntax (see the module doc) into a Query."""
    if not isinstance(source, str):
        raise TypeError(f"a query must be a string, not {type(source).__name__}")
    if not source.strip():
        raise QueryError("the query is empty: type some words, e.g. 'a cat' or 'a cat - 0.5*black'")
    terms, i, sign, n = [], 0, 1.0, len(source)
    expect_term, pending_operator = True, False
    while i < n:
        if source[i].isspace():
            i += 1
            continue
        if source[i] in "+-" and (i == 0 or source[i - 1].isspace()):
            if pending_operator:
                raise _caret(source, i, f"two operators in a row ('{source[i]}')")
            sign = -1.0 if source[i] == "-" else 1.0
            expect_term, pending_operator = True, True
            i += 1
            continue
        if not expect_term:
            raise _caret(source, i, "expected '+' or '-' between terms")
        start = i
        weight = 1.0
        m = _NUMBER.match(source, i)
        if not m and re.match(r"[\d.]+\s*\*", source[i:]):
            raise _caret(source, i, "a malformed weight (write it like 0.3*winter)")
        if m:
            weight = float(m.group(1))
            i = m.end()
            if i >= n or source[i].isspace() and not source[i:].strip():
                raise _caret(source, start, f"the weight {m.group(1)} has no term after it")
        kind = "text"
        if source.startswith("img:", i) or source.startswith("image:", i):
            kind = "image"
            i = source.index(":", i) + 1
        if i < n and source[i] in "\"'":
            quote = source[i]
            end = source.find(quote, i + 1)
            if end < 0:
                raise _caret(source, i, f"unterminated quote {quote}")
            body, i = source[i + 1:end], end + 1
            if not body.strip():
                raise _caret(source, start, "an empty quoted term")
        else:
            j = i
            while j < n and not (source[j] in "+-" and source[j - 1].isspace() and j > i):
                j += 1
            body, i = source[i:j].strip(), j
            if not body:
                raise _caret(source, start, "a term is missing")
        if kind == "text" and i > start and source[start] not in "\"'":
            _check_text_term(source, start, body)
        if kind == "image":
            if not is_image_path(body):
                raise _caret(source, start, f"img:{body} does not name an image file (.jpg, .png, ...)")
            terms.append(Term("image", body, sign * weight, Path(body).name))
        else:
            terms.append(Term("text", body, sign * weight))
        sign, expect_term, pending_operator = 1.0, False, False
    if expect_term:
        raise _caret(source, n, "the query ends with an operator; a term is missing")
    return Query(terms)


def _check_text_term(source: str, start: int, body: str):
    """Unquoted text that looks like a botched weight is an error, never silently searched as words."""
    if re.match(r"[+-]?\d+(?:[.,]\d*)?(?:\s|$|[*:,])", body):
        raise _caret(source, start, f"the term '{body}' starts with a number: write a weight as 0.3*winter "
                     f"(a number, then * or :), or put the words in quotes to search them as they are")
    star = body.find("*")
    if star >= 0:
        raise _caret(source, start + star, f"'*' inside the term '{body}': a weight goes before its term "
                     "(a cat - 0.3*winter, with spaces around + and -), or quote the words")


def is_image_query(query) -> bool:
    """Path objects, PIL images, and strings naming an existing image file are images."""
    from PIL import Image

    if isinstance(query, (Image.Image, os.PathLike)):
        return True
    return isinstance(query, str) and is_image_path(query) and Path(query).expanduser().is_file()


def to_query(query) -> Query:
    """Anything search accepts, as a Query: a Query, query syntax, an image, or an embedding."""
    if query is None:
        raise TypeError("query is None: give a text, an image path, a PIL image or an embedding")
    if isinstance(query, Query):
        return query
    if is_image_query(query):
        return image(query)
    if isinstance(query, str):
        if not query.strip():
            raise ValueError("the query is an empty string: type some words, e.g. 'a cat'")
        if query.strip().startswith(("img:", "image:")):  # an image term in the query syntax, alone or not
            return parse(query)
        if is_image_path(query.strip()) and " " not in query.strip():
            path = Path(query.strip()).expanduser()
            raise FileNotFoundError(f"no image file {path} (looked in {path.resolve().parent}, relative to the "
                                    f"current folder {Path.cwd()}); to search the words themselves, put them in "
                                    "quotes in a query")
        return parse(query)
    if hasattr(query, "detach") or isinstance(query, np.ndarray):
        array = query.detach().cpu().numpy() if hasattr(query, "detach") else query
        return embedding(array.reshape(-1) if array.ndim == 2 and array.shape[0] == 1 else array)
    raise TypeError(f"cannot search with a {type(query).__name__}: give a text, an image path, a PIL image, "
                    "an embedding vector or a clipnb Query")


def query_vector(model, query) -> np.ndarray:
    """A float32 unit vector of shape (D,) for anything search accepts."""
    q = to_query(query)
    if len(q.terms) == 1 and q.terms[0].weight == 1.0:  # the common case, with the plainest errors
        return q.term_vectors(model)[0]
    return q.vector(model)
