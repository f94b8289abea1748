"""Prometheus metrics of one process, in a registry of its own (no global state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, generate_latest


class Metrics:
    """Counters the core and the adapters update; served as text at /metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.events = Counter(
            "engage_inbound_events",
            "Inbound member events by platform, kind and outcome",
            ["platform", "kind", "outcome"],
            registry=self.registry,
        )
        self.feedback = Counter(
            "engage_feedback_submissions",
            "Feedback submissions by platform and result (accepted, rejected, duplicate)",
            ["platform", "result"],
            registry=self.registry,
        )
        self.deliveries = Counter(
            "engage_outbox_deliveries",
            "Outbox rows settled by platform and result (sent, retry, failed)",
            ["platform", "result"],
            registry=self.registry,
        )
        self.rejected_requests = Counter(
            "engage_rejected_requests",
            "Inbound HTTP requests refused, by platform and reason",
            ["platform", "reason"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return bytes(generate_latest(self.registry))
