"""What the bot does for each intent: functions of a Context returning channel-neutral replies."""
