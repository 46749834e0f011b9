"""What a district's IT runs the bot with: readiness, metrics over HTTP, JSON logs, the doctor, backups."""
