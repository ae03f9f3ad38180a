"""Saving, updating, deleting and loading model instances: one implementation for every flavour of
model (``Model``, pydantic, dataclass) and for both faces (async and ``sync_``).

Each operation is split in three: ``prepare`` (checks, hooks' inputs, the request), the client call
(awaited or blocking), and ``commit`` (the instance takes its new state only after DynamoDB said
yes). The async and sync entry points only differ in how they call the client and run hooks.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from pydynox import _s3
from pydynox._model_info import ModelInfo
from pydynox.atomic import UpdateAction, build_update
from pydynox.attributes.primitives import StringAttribute
from pydynox.conditions import Condition
from pydynox.exceptions import ConditionalCheckFailedException, ItemTooLargeException
from pydynox.expressions import ExpressionBuilder
from pydynox.hooks import HookType, run_hooks_async, run_hooks_sync

__all__ = [
    "Call",
    "DeletePlan",
    "SavePlan",
    "UpdatePlan",
    "get_request",
    "info_of",
]


def info_of(obj: Any) -> ModelInfo:
    info = getattr(obj, "_pydynox_info", None)
    if not isinstance(info, ModelInfo):
        raise TypeError(f"{obj!r} is not a pydynox model")
    return info


class Call:
    """One operation of the Rust core client, made either way. Models call the core directly: it
    takes the compiled schema (``model=``) and returns instances without a dict in between."""

    __slots__ = ("kwargs", "method")

    def __init__(self, method: str, **kwargs: Any) -> None:
        self.method = method
        self.kwargs = kwargs

    def run_async(self, client: Any) -> Awaitable[Any]:
        return getattr(client._core, self.method)(True, **self.kwargs)  # type: ignore[no-any-return]

    def run_sync(self, client: Any) -> Any:
        return getattr(client._core, self.method)(False, **self.kwargs)


def _condition(builder: ExpressionBuilder, *conditions: Condition | None) -> str | None:
    given = [c for c in conditions if c is not None]
    for c in given:
        if not isinstance(c, Condition):
            raise TypeError(f"condition= takes a condition such as User.age > 3, got {type(c).__name__}")
    if not given:
        return None
    if len(given) == 1:
        return given[0].build(builder)
    return " AND ".join(c.build(builder) for c in given)


def _request_args(builder: ExpressionBuilder) -> dict[str, Any]:
    return {
        "expression_attribute_names": builder.names or None,
        "expression_attribute_values": builder.values or None,
    }


def _version_guard(info: ModelInfo, current: Any) -> Condition:
    assert info.version is not None
    if current is None:
        return info.version.not_exists()
    guard: Condition = info.version == current
    return guard


# -- save ------------------------------------------------------------------------------------------


def fill_generated(info: ModelInfo, instance: Any) -> None:
    """AutoGenerate values where the instance has none; template keys rebuilt from their parts (a
    part may have changed since construction); the discriminator."""
    values = instance.__dict__
    for attr in info.auto_generated:
        if values.get(attr.name) is None:
            values[attr.name] = attr.default.generate()
    info.complete_new(values, rebuild_templates=True)


def check_complete(info: ModelInfo, instance: Any) -> None:
    values = instance.__dict__
    for attr in info.key_attributes:
        if values.get(attr.name) is None:
            role = "partition key" if attr.partition_key else "sort key"
            hint = (
                f" (its template {attr.template!r} needs {', '.join(attr.placeholders)})"
                if isinstance(attr, StringAttribute) and attr.template is not None
                else ""
            )
            raise ValueError(f"{info.name}.{attr.name} ({role}) has no value{hint}")
    for attr in info.required:
        if values.get(attr.name) is None:
            raise ValueError(f"{info.name}.{attr.name} is required but has no value")


class SavePlan:
    """A save: PutItem for a new instance (or ``full_replace``), UpdateItem of the changed attributes
    for a loaded one, nothing at all when nothing changed."""

    def __init__(
        self, info: ModelInfo, instance: Any, condition: Condition | None, full_replace: bool
    ) -> None:
        self.info = info
        self.instance = instance
        fill_generated(info, instance)
        check_complete(info, instance)
        base = info.get_snapshot(instance)
        values = instance.__dict__
        version_attr = info.version
        self.new_version: int | None = None
        guard: Condition | None = None
        old_version = None
        if version_attr is not None:
            old_version = values.get(version_attr.name)
            guard = _version_guard(info, old_version)
            self.new_version = 1 if old_version is None else old_version + 1
            values[version_attr.name] = self.new_version
        try:
            snapshot, changed, removed = info.core.dump(instance, base, info.get_extra(instance))
        finally:
            if version_attr is not None:
                values[version_attr.name] = old_version
        self.snapshot = snapshot
        check_size(info, snapshot)
        key_names = [a.db_name for a in info.key_attributes]
        key_moved = base is not None and base.pick(key_names) != snapshot.pick(key_names)
        self._put_conditions = (condition, guard)
        #: A smart save may fall back to putting the whole item (see retry_after).
        self.smart = False
        if base is None or full_replace or key_moved:
            self.call: Call | None = self.put_call()
            return
        builder = ExpressionBuilder(info)
        if version_attr is not None:
            # The version moves with real changes only: re-saving an unchanged instance writes nothing.
            changed.pop(version_attr.db_name, None)
        if not changed and not removed and condition is None:
            self.call = None
            self.new_version = old_version
            self.snapshot = base
            return
        if version_attr is not None and self.new_version is not None:
            changed[version_attr.db_name] = self.new_version
        # Only what changed is sent, so concurrent writers of other attributes are not undone.
        # attribute_exists(key) keeps a concurrently deleted item from coming back as a fragment:
        # when it fails because the item is gone, the whole item is put instead (see commit_failure).
        sets = [f"{builder.name(name)} = {builder.value(value)}" for name, value in changed.items()]
        removes = [builder.name(name) for name in removed]
        expression = " ".join(
            part for part in (
                "SET " + ", ".join(sets) if sets else "",
                "REMOVE " + ", ".join(removes) if removes else "",
            ) if part
        )  # fmt: skip
        assert info.partition_key is not None
        exists = info.partition_key.exists()
        key = base.pick(key_names)
        if expression:
            self.call = Call(
                "update_item",
                table=info.table,
                key=key,
                update_expression=expression,
                condition_expression=_condition(builder, exists, condition, guard),
                return_values_on_condition_check_failure=True,
                # The S3 metadata this write replaces, as stored (the objects to delete afterwards).
                return_values="UPDATED_OLD" if info.s3_attributes else None,
                **_request_args(builder),
            )
        else:
            # Nothing changed but a condition was given: check it without writing anything.
            self.call = Call(
                "update_item",
                table=info.table,
                key=key,
                condition_expression=_condition(builder, exists, condition),
                return_values_on_condition_check_failure=True,
                **_request_args(builder),
            )
        self.smart = True

    def put_call(self) -> Call:
        """PutItem of the whole item, under the caller's condition and the version guard."""
        builder = ExpressionBuilder(self.info)
        return Call(
            "put_item",
            table=self.info.table,
            item=self.snapshot,
            condition_expression=_condition(builder, *self._put_conditions),
            return_values="ALL_OLD" if self.info.s3_attributes else None,
            **_request_args(builder),
        )

    def retry_after(self, error: BaseException) -> Call | None:
        """The PutItem to make when a smart save failed only because the item no longer exists."""
        if self.smart and isinstance(error, ConditionalCheckFailedException) and error.item is None:
            return self.put_call()
        return None

    def commit(self) -> None:
        if self.new_version is not None:
            assert self.info.version is not None
            self.instance.__dict__[self.info.version.name] = self.new_version
        self.info.set_snapshot(self.instance, self.snapshot)


def _s3_write(info: ModelInfo, instance: Any) -> _s3.S3Write | None:
    if not info.s3_attributes:
        return None
    # Object keys are named after the item's key: generated keys must exist before the upload.
    fill_generated(info, instance)
    return _s3.S3Write(info, instance.__dict__, instance.__dict__)


def _stored_old(result: Any) -> Any:
    """What ReturnValues gave back (a dict), or None when the call returned its metrics."""
    return result if isinstance(result, dict) else None


async def save_async(
    instance: Any, condition: Condition | None, skip_hooks: bool | None, full_replace: bool
) -> None:
    info = info_of(instance)
    await run_hooks_async(info.hooks_for(HookType.BEFORE_SAVE, skip_hooks), instance)
    s3 = _s3_write(info, instance)
    if s3 is not None:
        await s3.upload_async(info.client())
    result = None
    try:
        plan = SavePlan(info, instance, condition, full_replace)
        if plan.call is not None:
            client = info.client()
            try:
                result = await plan.call.run_async(client)
            except ConditionalCheckFailedException as e:
                retry = plan.retry_after(e)
                if retry is None:
                    raise
                result = await retry.run_async(client)
    except BaseException as e:
        if s3 is not None:
            await s3.failed_async(info.client(), e)
        raise
    plan.commit()
    if s3 is not None:
        await _s3.delete_async(info.client(), s3.replaced(_s3.refs_in(info, _stored_old(result))))
    await run_hooks_async(info.hooks_for(HookType.AFTER_SAVE, skip_hooks), instance)


def save_sync(
    instance: Any, condition: Condition | None, skip_hooks: bool | None, full_replace: bool
) -> None:
    info = info_of(instance)
    run_hooks_sync(info.hooks_for(HookType.BEFORE_SAVE, skip_hooks), instance)
    s3 = _s3_write(info, instance)
    if s3 is not None:
        s3.upload_sync(info.client())
    result = None
    try:
        plan = SavePlan(info, instance, condition, full_replace)
        if plan.call is not None:
            client = info.client()
            try:
                result = plan.call.run_sync(client)
            except ConditionalCheckFailedException as e:
                retry = plan.retry_after(e)
                if retry is None:
                    raise
                result = retry.run_sync(client)
    except BaseException as e:
        if s3 is not None:
            s3.failed_sync(info.client(), e)
        raise
    plan.commit()
    if s3 is not None:
        _s3.delete_sync(info.client(), s3.replaced(_s3.refs_in(info, _stored_old(result))))
    run_hooks_sync(info.hooks_for(HookType.AFTER_SAVE, skip_hooks), instance)


# -- update ----------------------------------------------------------------------------------------


def _actions_from_values(info: ModelInfo, values: dict[str, Any]) -> list[UpdateAction]:
    actions: list[UpdateAction] = []
    for name, value in values.items():
        attr = info.attributes.get(name)
        if attr is None:
            raise AttributeError(f"{info.name} has no attribute {name!r} to update")
        if attr.partition_key or attr.sort_key:
            raise ValueError(
                f"{info.name}.{name} is part of the key and cannot be updated; save a new item instead"
            )
        actions.append(attr.remove() if value is None else attr.set(value))
    return actions


class UpdatePlan:
    """An UpdateItem from plain values (``name=value``, None removes) and atomic actions; the new item
    (ALL_NEW) refreshes the instance."""

    def __init__(
        self,
        info: ModelInfo,
        key: dict[str, Any],
        values: dict[str, Any],
        atomic: list[UpdateAction] | None,
        condition: Condition | None,
        current_version: Any = None,
        versioned: bool = False,
    ) -> None:
        self.info = info
        actions = _actions_from_values(info, values)
        if atomic is not None:
            if isinstance(atomic, UpdateAction) or not isinstance(atomic, (list, tuple)):
                raise TypeError("atomic= takes a list of update actions, e.g. [User.age.add(1)]")
            actions.extend(atomic)
        guard = None
        if versioned and info.version is not None:
            if any(a.path._attribute is info.version for a in actions):
                raise ValueError(f"{info.name}.{info.version.name} is managed by pydynox; do not update it")
            guard = _version_guard(info, current_version)
            actions.append(info.version.set(1 if current_version is None else current_version + 1))
        if not actions:
            raise ValueError(f"{info.name}.update() needs values or atomic actions")
        self.touched = {a.path._attribute.name for a in actions}
        builder = ExpressionBuilder(info)
        expression = build_update(actions, builder)
        self.call = Call(
            "update_item",
            table=info.table,
            key=key,
            update_expression=expression,
            condition_expression=_condition(builder, condition, guard),
            return_values="ALL_NEW",
            model=info.core,
            **_request_args(builder),
        )

    def refresh(self, instance: Any, fresh: Any) -> None:
        """Takes the stored state from ``fresh``, keeping local changes this update did not send."""
        info = self.info
        base = info.get_snapshot(instance)
        pending: set[str] = set()
        if base is not None:
            _, changed, removed = info.core.dump(instance, base, info.get_extra(instance))
            pending = {info.by_db_name[n].name for n in [*changed, *removed] if n in info.by_db_name}
        else:
            pending = {n for n, v in instance.__dict__.items() if v is not None}
        local = instance.__dict__
        for name, value in fresh.__dict__.items():
            if name in self.touched or name not in pending:
                local[name] = value
        info.set_snapshot(instance, info.get_snapshot(fresh))


def whole_item(info: ModelInfo, instance: Any, version: Any = None) -> Any:
    """The Snapshot of the whole item for a PutItem outside ``save`` (a batch, a transaction):
    generated values filled in, keys and required attributes checked, the size limit enforced.
    ``version`` is the version attribute's value to store, when the model has one."""
    fill_generated(info, instance)
    check_complete(info, instance)
    values = instance.__dict__
    old = None
    if info.version is not None:
        old = values.get(info.version.name)
        values[info.version.name] = version
    try:
        snapshot, _, _ = info.core.dump(instance, None, info.get_extra(instance))
    finally:
        if info.version is not None:
            values[info.version.name] = old
    check_size(info, snapshot)
    return snapshot


def check_size(info: ModelInfo, snapshot: Any) -> None:
    """Refuses an item over the size limit before anything is sent. An item with compressed or
    encrypted attributes is measured by the operation instead, once they are encoded."""
    if snapshot.encoded_later:
        return
    size = snapshot.size()
    if size > info.max_size:
        raise ItemTooLargeException(
            size,
            info.max_size,
            snapshot.pick([a.db_name for a in info.key_attributes]),
            message=f"{info.name}: the item is {size} bytes; the limit is {info.max_size} bytes",
        )


def version_guard(info: ModelInfo, instance: Any) -> tuple[Condition | None, int | None]:
    """The optimistic-lock condition for writing ``instance`` and the version it will then have."""
    if info.version is None:
        return None, None
    current = instance.__dict__.get(info.version.name)
    return _version_guard(info, current), 1 if current is None else current + 1


def instance_key(info: ModelInfo, instance: Any) -> dict[str, Any]:
    """The key of the stored item: as loaded (a locally edited key names a different item)."""
    base = info.get_snapshot(instance)
    key_names = [a.db_name for a in info.key_attributes]
    if base is not None:
        return base.pick(key_names)  # type: ignore[no-any-return]
    fill_generated(info, instance)
    check_complete(info, instance)
    return info.key_from_values(instance.__dict__, "key")


def with_templates(info: ModelInfo, state: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` plus the templated attributes built from any of them (a key template cannot change:
    that would be another item)."""
    out = dict(values)
    merged = {**state, **values}
    for attr in info.templated:
        changed = [p for p in attr.placeholders if p in values]
        if not changed or attr.name in values:
            continue
        if attr.partition_key or attr.sort_key:
            raise ValueError(
                f"{info.name}: updating {', '.join(changed)} would change the key {attr.name} "
                f"(template {attr.template!r}); save a new item instead"
            )
        out[attr.name] = attr.build_key(merged)
    return out


def update_plan_for(
    instance: Any, values: dict[str, Any], atomic: Any, condition: Condition | None
) -> UpdatePlan:
    info = info_of(instance)
    version = instance.__dict__.get(info.version.name) if info.version is not None else None
    values = with_templates(info, instance.__dict__, values)
    return UpdatePlan(info, instance_key(info, instance), values, atomic, condition, version, versioned=True)


def _s3_update(
    info: ModelInfo, instance: Any, values: dict[str, Any]
) -> tuple[_s3.S3Write | None, list[Any]]:
    """The uploads of an update, and the objects its S3 attributes pointed to before (as loaded)."""
    touched = [a.name for a in info.s3_attributes if a.name in values]
    if not touched:
        return None, []
    base = info.get_snapshot(instance)
    stored = base.pick([a.db_name for a in info.s3_attributes]) if base is not None else None
    return _s3.S3Write(info, instance.__dict__, values), _s3.refs_in(info, stored, touched)


async def update_async(
    instance: Any, values: dict[str, Any], atomic: Any, condition: Condition | None, skip_hooks: bool | None
) -> None:
    info = info_of(instance)
    await run_hooks_async(info.hooks_for(HookType.BEFORE_UPDATE, skip_hooks), instance)
    values = dict(values)
    s3, old = _s3_update(info, instance, values)
    if s3 is not None:
        await s3.upload_async(info.client())
    try:
        plan = update_plan_for(instance, values, atomic, condition)
        fresh = await plan.call.run_async(info.client())
    except BaseException as e:
        if s3 is not None:
            await s3.failed_async(info.client(), e)
        raise
    plan.refresh(instance, fresh)
    if s3 is not None:
        await _s3.delete_async(info.client(), s3.replaced(old))
    await run_hooks_async(info.hooks_for(HookType.AFTER_UPDATE, skip_hooks), instance)


def update_sync(
    instance: Any, values: dict[str, Any], atomic: Any, condition: Condition | None, skip_hooks: bool | None
) -> None:
    info = info_of(instance)
    run_hooks_sync(info.hooks_for(HookType.BEFORE_UPDATE, skip_hooks), instance)
    values = dict(values)
    s3, old = _s3_update(info, instance, values)
    if s3 is not None:
        s3.upload_sync(info.client())
    try:
        plan = update_plan_for(instance, values, atomic, condition)
        fresh = plan.call.run_sync(info.client())
    except BaseException as e:
        if s3 is not None:
            s3.failed_sync(info.client(), e)
        raise
    plan.refresh(instance, fresh)
    if s3 is not None:
        _s3.delete_sync(info.client(), s3.replaced(old))
    run_hooks_sync(info.hooks_for(HookType.AFTER_UPDATE, skip_hooks), instance)


def split_key(info: ModelInfo, kwargs: dict[str, Any], what: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``update_by_key(pk=..., sk=..., name=...)``: the stored key, and the other values."""
    key = info.key_from_values(kwargs, what)
    taken = info.key_arguments
    return key, {k: v for k, v in kwargs.items() if k not in taken}


# -- delete ----------------------------------------------------------------------------------------


class DeletePlan:
    def __init__(self, info: ModelInfo, instance: Any, condition: Condition | None) -> None:
        self.info = info
        self.instance = instance
        guard = None
        if info.version is not None:
            current = instance.__dict__.get(info.version.name)
            if current is not None:
                guard = _version_guard(info, current)
        builder = ExpressionBuilder(info)
        self.call = Call(
            "delete_item",
            table=info.table,
            key=instance_key(info, instance),
            condition_expression=_condition(builder, condition, guard),
            # The S3 metadata the item held, as stored: its objects are deleted after the item.
            return_values="ALL_OLD" if info.s3_attributes else None,
            **_request_args(builder),
        )

    def commit(self) -> None:
        # The instance now describes an item that does not exist: a later save() puts it anew,
        # as a first version.
        self.info.set_snapshot(self.instance, None)
        if self.info.version is not None:
            self.instance.__dict__[self.info.version.name] = None


async def delete_async(instance: Any, condition: Condition | None, skip_hooks: bool | None) -> None:
    info = info_of(instance)
    await run_hooks_async(info.hooks_for(HookType.BEFORE_DELETE, skip_hooks), instance)
    plan = DeletePlan(info, instance, condition)
    old = await plan.call.run_async(info.client())
    plan.commit()
    if info.s3_attributes:
        await _s3.delete_async(info.client(), _s3.refs_in(info, _stored_old(old)))
    await run_hooks_async(info.hooks_for(HookType.AFTER_DELETE, skip_hooks), instance)


def delete_sync(instance: Any, condition: Condition | None, skip_hooks: bool | None) -> None:
    info = info_of(instance)
    run_hooks_sync(info.hooks_for(HookType.BEFORE_DELETE, skip_hooks), instance)
    plan = DeletePlan(info, instance, condition)
    old = plan.call.run_sync(info.client())
    plan.commit()
    if info.s3_attributes:
        _s3.delete_sync(info.client(), _s3.refs_in(info, _stored_old(old)))
    run_hooks_sync(info.hooks_for(HookType.AFTER_DELETE, skip_hooks), instance)


def delete_by_key_call(info: ModelInfo, key_values: dict[str, Any], condition: Condition | None) -> Call:
    key, rest = split_key(info, key_values, "delete_by_key()")
    if rest:
        raise TypeError(f"{info.name}.delete_by_key() takes only key attributes, got {sorted(rest)}")
    builder = ExpressionBuilder(info)
    return Call(
        "delete_item",
        table=info.table,
        key=key,
        condition_expression=_condition(builder, condition),
        return_values="ALL_OLD" if info.s3_attributes else None,
        **_request_args(builder),
    )


# -- get -------------------------------------------------------------------------------------------


def get_request(
    info: ModelInfo, key_values: dict[str, Any], consistent_read: bool | None, fields: Any, as_dict: bool
) -> Call:
    key, rest = split_key(info, key_values, "get()")
    if rest:
        raise TypeError(f"{info.name}.get() takes the key attributes, got unexpected {sorted(rest)}")
    if consistent_read is None:
        consistent_read = bool(info.config and info.config.consistent_read)
    projection = projection_paths(info, fields)
    model = None if as_dict else (info.projected_core if projection else info.core)
    return Call(
        "get_item",
        table=info.table,
        key=key,
        consistent_read=consistent_read,
        projection=projection,
        model=model,
        decode=decode_for(info, as_dict),
    )


def decode_for(info: ModelInfo, as_dict: bool) -> Any:
    """For plain-dict reads of a model: the schema that decodes its compressed and encrypted
    attributes (model reads decode with the schema that loads them)."""
    return info.core if as_dict and info.core.has_codecs else None


def projection_paths(info: ModelInfo, fields: Any) -> list[str] | None:
    """``fields=["name", "address.city"]`` in stored names; the key is always included so the
    instance can be saved or deleted."""
    if fields is None:
        return None
    if isinstance(fields, str) or not all(isinstance(f, str) for f in fields):
        raise TypeError(f"fields= takes a list of attribute names, got {fields!r}")
    paths: list[str] = []
    for f in fields:
        if "." in f or "[" in f:
            # A partly loaded map or list would be written back whole by a later save.
            raise ValueError(f"{info.name}: fields= takes attribute names, not paths inside them ({f!r})")
        paths.append(info.attribute(f, "fields=").db_name)
    # The key, the version and the discriminator always come along: a partial instance can still be
    # saved or deleted (under its optimistic lock) and loads as the right class.
    for attr in (*info.key_attributes, info.version, info.discriminator):
        if attr is not None and attr.db_name not in paths:
            paths.append(attr.db_name)
    return paths


def loaded_as(info: ModelInfo, found: Any) -> Any:
    """None when the item is of a sibling class in a discriminator hierarchy (``Dog.get`` of a cat)."""
    if found is None or isinstance(found, dict) or info.loads(found):
        return found
    return None


async def after_load_async(instance: Any) -> Any:
    if instance is not None and not isinstance(instance, dict):
        hooks = info_of(instance).hooks_for(HookType.AFTER_LOAD, None)
        if hooks:
            await run_hooks_async(hooks, instance)
    return instance


def _loaded(info: ModelInfo, items: list[Any], as_dict: bool) -> list[Any]:
    if as_dict:
        return items
    out = []
    for item in items:
        instance = loaded_as(info, info.core.load(item))
        if instance is not None:
            out.append(instance)
    return out


async def decoded_async(info: ModelInfo, items: list[Any]) -> list[Any]:
    """Stored items of ``info``'s table with their compressed and encrypted attributes decoded."""
    if not items or not info.core.has_codecs:
        return items
    decoded: list[Any] = await info.client()._core.decode_stored(True, info.table, items, info.core)
    return decoded


def decoded_sync(info: ModelInfo, items: list[Any]) -> list[Any]:
    if not items or not info.core.has_codecs:
        return items
    decoded: list[Any] = info.client()._core.decode_stored(False, info.table, items, info.core)
    return decoded


async def loaded_list_async(info: ModelInfo, items: list[Any], as_dict: bool) -> list[Any]:
    """Plain items (PartiQL, batch reads) as instances of ``info``'s class, after_load hooks run."""
    out = _loaded(info, await decoded_async(info, items), as_dict)
    if not as_dict:
        for instance in out:
            await after_load_async(instance)
    return out


def loaded_list_sync(info: ModelInfo, items: list[Any], as_dict: bool) -> list[Any]:
    out = _loaded(info, decoded_sync(info, items), as_dict)
    if not as_dict:
        for instance in out:
            after_load_sync(instance)
    return out


def after_load_sync(instance: Any) -> Any:
    if instance is not None and not isinstance(instance, dict):
        hooks = info_of(instance).hooks_for(HookType.AFTER_LOAD, None)
        if hooks:
            run_hooks_sync(hooks, instance)
    return instance
