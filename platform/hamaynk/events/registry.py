"""Internal consumers: what takes which events. A consumer is declared once, in a `consumers`
module of its app, and is found by its name (the name is in every receipt and dead letter, so
it must not change once events were processed)."""

from abc import ABC, abstractmethod

_consumers = {}


class Consumer(ABC):
    """Subclass with `name`, `event_types` and `handle(event)`; or use @consumer on a function.

    `handle` runs in the event's schema, inside a transaction that also writes the consumer's
    receipt: a database effect happens once. An effect outside the database (an email) happens
    once unless the process dies between sending it and committing the receipt."""

    name: str
    event_types: frozenset

    def accepts(self, event):
        return event.type in self.event_types

    @abstractmethod
    def handle(self, event): ...


class _FunctionConsumer(Consumer):
    def __init__(self, name, event_types, function):
        self.name = name
        self.event_types = frozenset(event_types)
        self._function = function
        self.__doc__ = function.__doc__

    def handle(self, event):
        return self._function(event)


def register(instance):
    if instance.name in _consumers and type(_consumers[instance.name]) is not type(instance):
        raise ValueError(f"Two event consumers are named {instance.name!r}")
    _consumers[instance.name] = instance
    return instance


def consumer(name, event_types):
    """Declares `function(event)` as the consumer `name` of `event_types`."""

    def decorate(function):
        register(_FunctionConsumer(name, event_types, function))
        return function

    return decorate


def get(name):
    return _consumers[name]


def all_consumers():
    return sorted(_consumers.values(), key=lambda c: c.name)


def interested(event, names=None):
    return [c for c in all_consumers() if c.accepts(event) and (names is None or c.name in names)]


def wanted_types():
    return set().union(*(c.event_types for c in _consumers.values())) if _consumers else set()
