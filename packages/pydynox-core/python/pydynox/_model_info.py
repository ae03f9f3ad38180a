"""What pydynox knows about one model class: its attributes, keys, indexes, hooks and the compiled
schema the Rust core uses to load and dump items. Built once, when the class is defined."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydynox._core import ModelSchema
from pydynox.attributes.base import Attribute
from pydynox.attributes.coded import CodedAttribute
from pydynox.attributes.primitives import StringAttribute
from pydynox.attributes.s3 import S3Attribute
from pydynox.attributes.special import TTLAttribute, VersionAttribute
from pydynox.client import DynamoDBClient
from pydynox.config import MAX_ITEM_SIZE, ModelConfig, get_default_client
from pydynox.generators import AutoGenerate
from pydynox.hooks import HookType, collect_hooks
from pydynox.indexes import GlobalSecondaryIndex, LocalSecondaryIndex

__all__ = ["ModelInfo"]


class ModelInfo:
    """Per-class facts. ``attributes`` maps Python names to attributes, in declaration order (base
    classes first)."""

    def __init__(
        self,
        cls: type,
        config: ModelConfig | None,
        attributes: dict[str, Attribute[Any]],
        *,
        pydantic: bool = False,
        private_defaults: dict[str, Any] | None = None,
    ) -> None:
        self.cls = cls
        self.name = cls.__qualname__
        self.pydantic = pydantic
        self.config = config
        self.attributes = attributes
        self.by_db_name = {a.db_name: a for a in attributes.values()}
        if len(self.by_db_name) != len(attributes):
            seen: dict[str, str] = {}
            for a in attributes.values():
                if a.db_name in seen:
                    raise TypeError(
                        f"{self.name}: {seen[a.db_name]} and {a.name} are both stored as {a.db_name!r}"
                    )
                seen[a.db_name] = a.name
        self.partition_key = self._single("partition_key")
        self.sort_key = self._single("sort_key")
        self.key_attributes = [a for a in (self.partition_key, self.sort_key) if a is not None]
        self.version = self._single_of(VersionAttribute, "VersionAttribute")
        self.ttl = self._single_of(TTLAttribute, "TTLAttribute")
        self.discriminator = self._single("discriminator")
        if self.discriminator is not None and not isinstance(self.discriminator, StringAttribute):
            raise TypeError(
                f"{self.name}.{self.discriminator.name}: a discriminator must be a StringAttribute"
            )
        self.auto_generated = [a for a in attributes.values() if isinstance(a.default, AutoGenerate)]
        self.templated = [
            a for a in attributes.values() if isinstance(a, StringAttribute) and a.template is not None
        ]
        for a in self.templated:
            unknown = [p for p in a.placeholders if p not in attributes]
            if unknown:
                raise TypeError(
                    f"{self.name}.{a.name}: template {a.template!r} names unknown attribute(s) {unknown}"
                )
        self.required = [a for a in attributes.values() if a.required]
        # What a by-key call (get, delete_by_key, update_by_key) takes besides other values: the key
        # attributes and the parts of templated keys. (`is`, not `in`: an attribute's == builds a
        # condition.)
        self.key_arguments = frozenset(
            {a.name for a in self.key_attributes}
            | {p for a in self.templated if any(a is k for k in self.key_attributes) for p in a.placeholders}
        )
        self.hooks = collect_hooks(cls)
        self.indexes: dict[str, GlobalSecondaryIndex | LocalSecondaryIndex] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, (GlobalSecondaryIndex, LocalSecondaryIndex)):
                    self.indexes[name] = value
        self.strict = bool(config and config.strict_attributes)
        # Names an undeclared attribute may not take: they would shadow the class's own members.
        self.reserved = frozenset(name for name in dir(cls) if name not in attributes)
        self.keep_undeclared = not self.strict and not pydantic
        self.max_size = (config.max_size if config and config.max_size else None) or MAX_ITEM_SIZE
        self.s3_attributes = [a for a in attributes.values() if isinstance(a, S3Attribute)]
        codecs = [(a.db_name, a.codec_spec()) for a in attributes.values() if isinstance(a, CodedAttribute)]
        fields = [
            (
                a.db_name,
                a.name,
                a.kind,
                type(a).__name__,
                a.load if a.has_load else None,
                a.dump if a.has_dump else None,
                a.default_factory(),
            )
            for a in attributes.values()
        ]
        self.core = ModelSchema(
            cls,
            fields,
            discriminator=self.discriminator.db_name if self.discriminator else None,
            pydantic=pydantic,
            private_defaults=private_defaults,
            keep_undeclared=self.keep_undeclared,
            reserved=set(self.reserved),
            codecs=codecs or None,
            key_names=[a.db_name for a in self.key_attributes],
            max_size=self.max_size,
        )
        self.projected_core = self.core.projected()
        for a in attributes.values():
            if a._info is None or a.model_name == self.name:
                a._info = self
        self.discriminator_value = cls.__name__ if self.discriminator is not None else None
        #: The discriminator values of this class and its subclasses (the items it may load).
        self.discriminator_values: set[str] = set()
        #: Whether this class declares the discriminator (it then loads every item of the table).
        self.discriminator_root = True
        if self.discriminator is not None:
            self.discriminator_values.add(cls.__name__)
            self.core.register(cls.__name__, self.core)
            for klass in cls.__mro__[1:]:
                info = vars(klass).get("_pydynox_info")
                if isinstance(info, ModelInfo) and info.discriminator is self.discriminator:
                    info.core.register(cls.__name__, self.core)
                    info.discriminator_values.add(cls.__name__)
                    self.discriminator_root = False

    def _single(self, flag: str) -> Attribute[Any] | None:
        found = [a for a in self.attributes.values() if getattr(a, flag)]
        if len(found) > 1:
            raise TypeError(
                f"{self.name} declares more than one {flag.replace('_', ' ')}: {[a.name for a in found]}"
            )
        return found[0] if found else None

    def _single_of(self, kind: type, label: str) -> Attribute[Any] | None:
        found = [a for a in self.attributes.values() if isinstance(a, kind)]
        if len(found) > 1:
            raise TypeError(f"{self.name} declares more than one {label}: {[a.name for a in found]}")
        return found[0] if found else None

    # -- lookups -----------------------------------------------------------------------------------

    def require_config(self) -> ModelConfig:
        if self.config is None:
            raise TypeError(f"{self.name} has no ModelConfig: set model_config = ModelConfig(table=...)")
        if self.partition_key is None:
            raise TypeError(f"{self.name} declares no partition key (an attribute with partition_key=True)")
        return self.config

    @property
    def table(self) -> str:
        return self.require_config().table

    def client(self) -> DynamoDBClient:
        config = self.require_config()
        client = config.client or get_default_client()
        if client is None:
            raise RuntimeError(
                f"{self.name} has no client: pass ModelConfig(client=...) "
                "or call pydynox.set_default_client(...)"
            )
        return client

    def attribute(self, name: str, where: str = "") -> Attribute[Any]:
        attr = self.attributes.get(name)
        if attr is None:
            context = f" (in {where})" if where else ""
            raise AttributeError(f"{self.name} has no attribute {name!r}{context}")
        return attr

    def check_attribute(self, attr: Attribute[Any]) -> None:
        """Conditions and updates may only name attributes of this model."""
        if self.attributes.get(attr.name) is not attr:
            raise ValueError(
                f"{attr.model_name}.{attr.name} is not an attribute of {self.name}; "
                f"conditions and updates must use {self.name}'s own attributes"
            )

    def hooks_for(self, kind: HookType, skip: bool | None) -> list[Callable[..., Any]]:
        if skip is None:
            skip = bool(self.config and self.config.skip_hooks)
        if skip:
            return []
        return self.hooks.get(kind, [])

    def key_from_values(self, values: dict[str, Any], what: str) -> dict[str, Any]:
        """The stored key from Python values by attribute name; templates fill in missing keys."""
        self.require_config()
        key: dict[str, Any] = {}
        for attr in self.key_attributes:
            value = values.get(attr.name)
            if value is None and isinstance(attr, StringAttribute) and attr.template is not None:
                if all(values.get(p) is not None for p in attr.placeholders):
                    value = attr.build_key(values)
            if value is None:
                role = "partition key" if attr.partition_key else "sort key"
                raise ValueError(f"{self.name}.{what} needs {attr.name} ({role})")
            key[attr.db_name] = attr._stored_value(value)
        return key

    # -- instance state ------------------------------------------------------------------------------
    # A loaded or saved instance keeps a Snapshot of the stored item: plain models in a slot,
    # pydantic models among their private attributes (their slots are pydantic's own).

    def complete_new(self, state: dict[str, Any], rebuild_templates: bool = False) -> None:
        """Template keys (when all their parts are known; only missing ones unless
        ``rebuild_templates``) and the discriminator value."""
        for attr in self.templated:
            if (rebuild_templates or state.get(attr.name) is None) and all(
                state.get(p) is not None for p in attr.placeholders
            ):
                state[attr.name] = attr.build_key(state)
        if self.discriminator is not None and state.get(self.discriminator.name) is None:
            state[self.discriminator.name] = self.discriminator_value

    def get_snapshot(self, instance: Any) -> Any:
        if self.pydantic:
            private = instance.__pydantic_private__
            return private.get("_pydynox_snapshot") if private else None
        return getattr(instance, "_pydynox_snapshot", None)

    def set_snapshot(self, instance: Any, snapshot: Any) -> None:
        if self.pydantic:
            if instance.__pydantic_private__ is None:
                object.__setattr__(instance, "__pydantic_private__", {})
            instance.__pydantic_private__["_pydynox_snapshot"] = snapshot
        else:
            object.__setattr__(instance, "_pydynox_snapshot", snapshot)

    def get_extra(self, instance: Any) -> dict[str, Any] | None:
        """Attributes the model does not declare that the instance carries (non-strict models keep
        them as plain instance attributes; pydantic models with ``extra="allow"`` in their extras)."""
        if self.pydantic:
            return instance.__pydantic_extra__  # type: ignore[no-any-return]
        if not self.keep_undeclared:
            return None
        attributes = self.attributes
        return {k: v for k, v in instance.__dict__.items() if k not in attributes and not k.startswith("_")}

    def subclass_filter(self) -> Any:
        """For a subclass in a discriminator hierarchy: only items of this class or its subclasses."""
        if self.discriminator is None or self.discriminator_root:
            return None
        return self.discriminator.is_in(*sorted(self.discriminator_values))

    def loads(self, instance: Any) -> bool:
        """Whether a loaded item belongs to this class (a subclass does not load its siblings)."""
        if self.discriminator is None or self.discriminator_root:
            return True
        return instance.__dict__.get(self.discriminator.name) in self.discriminator_values
