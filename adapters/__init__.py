"""Platform adapters: each translates its platform's payloads to the core's neutral types and back."""
