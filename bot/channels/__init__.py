"""Channels: each converts its platform's updates to `Incoming` and sends `Reply`s back."""
