"""The channel-neutral core: messages, button payloads, texts, settings and ports."""
