"""``cached_property`` without a lock.

Python 3.11's ``functools.cached_property`` takes a lock on every first read of every instance
(3.12 dropped it). Parsed messages are read that way tens of thousands of times in a run, and
the lock was a tenth of the message rules' time. The values computed here are pure functions
of a frozen instance: two threads computing one at once store equal values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

__all__ = ["lazy"]

T = TypeVar("T")


class lazy(Generic[T]):  # lower case: a decorator, like cached_property
    """A property computed on first read and then kept in the instance's ``__dict__`` (which
    is read before this descriptor from then on)."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> lazy[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> T | lazy[T]:
        if instance is None:
            return self
        value = self.compute(instance)
        instance.__dict__[self.name] = value
        return value
