"""Helpers to talk to the server through a real in-memory MCP client."""

from typing import Any

import httpx2
from fake_octoperf import BASE, KEY, FakeOctoPerf
from mcp import Client

from octoperf_mcp import Settings, build_server


def connect(octoperf: FakeOctoPerf, settings: Settings | None = None) -> Client:
    server = build_server(
        settings or Settings(api_key=KEY, api_url=BASE),
        transport=httpx2.MockTransport(octoperf.handler),
        sleep=octoperf.sleep,
        clock=octoperf.clock,
    )
    return Client(server)


async def ok(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """Call a tool that must succeed; its structured result."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def fail(client: Client, tool: str, **arguments: Any) -> str:
    """Call a tool that must fail; the sentence the model reads, without the SDK's prefix."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    return result.content[0].text.removeprefix(f"Error executing tool {tool}: ")
