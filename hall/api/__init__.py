"""The HTTP API of the hall server (FastAPI): one router per area, thin routes."""
