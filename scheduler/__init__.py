"""What the bot does on its own: the outbox worker and its ticks (APScheduler, in memory)."""
