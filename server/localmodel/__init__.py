"""Local models managed by LessonL: a llama.cpp server per GGUF file, shared by the agents
that name it, started before a job and stopped after it; and the bundled tiny model used when
nobody configured an endpoint.

    from lessonl.localmodel import local_models, with_embedded_default
    config = with_embedded_default(load_config(root))
    async with local_models(config) as local:
        ...  # local.config: every agent has a base_url
"""
from .embedded import (EMBEDDED_HINT, NO_LOCAL_MODEL_HINT, bundled_model_path, embedded_agents, is_embedded,
                       with_embedded_default)
from .errors import (LocalServerDiedError, LocalServerMissingError, LocalServerStartError, ModelFileError,
                     PortInUseError)
from .managed import LocalModels, local_models, needs_server, spec_for
from .pool import POOL, ServerPool
from .process import LlamaServer, ServerSpec, stop_all_now

__all__ = [
    "EMBEDDED_HINT", "NO_LOCAL_MODEL_HINT", "POOL", "LlamaServer", "LocalModels", "LocalServerDiedError",
    "LocalServerMissingError", "LocalServerStartError", "ModelFileError", "PortInUseError", "ServerPool",
    "ServerSpec", "bundled_model_path", "embedded_agents", "is_embedded", "local_models", "needs_server",
    "spec_for", "stop_all_now", "with_embedded_default",
]
