"""OpenTelemetry instrumentation for pydynox: spans and metrics by the database semantic conventions."""
