"""Translations between a door's API and the local route's Chat Completions, both ways.

The local model speaks Chat Completions; a request kept on premises through
another door (Anthropic Messages, OpenAI Responses, legacy completions) is
turned into a chat body, and the local answer, whole or streamed, back into
that door's own format, so the client notices nothing.
"""
