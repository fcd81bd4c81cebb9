"""Handlers of the binary type ops 3000-3004 (reference §7.6, §10).

Type-name registry and metadata go straight to ``engine.types`` (merged under
Ignite's rule; a field whose type changes is refused with Ignite's text).
3004 answers Ignite's defaults: compact footer, basic id mapper with full names.
Imports ``embergrid.protocol``, the engine and ``embergrid.server``; never asyncio.
"""

from __future__ import annotations

from embergrid.engine import EngineError
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.messages import binary_type as m
from embergrid.protocol.messages.general import BoolResponse, EmptyResponse
from embergrid.server import status_messages as msgs
from embergrid.server.dispatch import handler
from embergrid.server.session import Session

__all__: list[str] = []  # handlers are reached through the registry


@handler(Op.GET_BINARY_TYPE_NAME)
def get_type_name(s: Session, r: m.GetBinaryTypeName) -> m.GetBinaryTypeNameResponse:
    return m.GetBinaryTypeNameResponse(
        s.engine.types.type_name(r.platform_id, r.type_id)
    )


@handler(Op.REGISTER_BINARY_TYPE_NAME)
def register_type_name(s: Session, r: m.RegisterBinaryTypeName) -> BoolResponse:
    if r.type_name is None:
        raise EngineError(StatusCode.FAILED, msgs.argument_null("typeName"))
    return BoolResponse(
        s.engine.types.register_name(r.platform_id, r.type_id, r.type_name)
    )


@handler(Op.GET_BINARY_TYPE)
def get_type(s: Session, r: m.GetBinaryType) -> m.GetBinaryTypeResponse:
    return m.GetBinaryTypeResponse(s.engine.types.get(r.type_id))


@handler(Op.PUT_BINARY_TYPE)
def put_type(s: Session, r: m.PutBinaryType) -> EmptyResponse:
    s.engine.types.put(r.binary_type)
    return EmptyResponse()


@handler(Op.GET_BINARY_CONFIGURATION)
def get_configuration(
    s: Session, r: m.GetBinaryConfiguration
) -> m.GetBinaryConfigurationResponse:
    return m.GetBinaryConfigurationResponse(compact_footer=True, name_mapper=0)
