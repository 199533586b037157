"""Python client for letta-ts (the Letta tutorial's REST API).

    from letta import create_client

    client = create_client(base_url="http://localhost:8283")
    agents = client.list_agents()
    response = client.send_message("sam", "Hello from Python client!")
    print(response.content)   # or response["content"]
"""

__version__ = "0.1.0"

from .client import Client, RESTClient, create_client  # noqa: E402
from .errors import (  # noqa: E402
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    LettaError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from .stream import MessageStream, StreamError  # noqa: E402
from .types import (  # noqa: E402
    Agent,
    BatchError,
    Block,
    Conversation,
    Deleted,
    Message,
    Passage,
    Record,
    Response,
    Run,
    SearchHit,
    SearchResult,
    StreamLine,
    Usage,
)

__all__ = [
    "create_client", "Client", "RESTClient", "MessageStream",
    "LettaError", "APIError", "APIConnectionError", "APITimeoutError", "AuthenticationError",
    "BadRequestError", "ConflictError", "InternalServerError", "NotFoundError",
    "PermissionDeniedError", "RateLimitError", "StreamError",
    "Record", "Agent", "Block", "Conversation", "Deleted", "Message", "Passage", "Response",
    "Run", "SearchHit", "SearchResult", "StreamLine", "Usage", "BatchError",
]
