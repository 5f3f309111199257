"""The demo dealership (``autolytiq --demo``)."""

from app.demo.generator import DemoSummary, build_demo

__all__ = ["DemoSummary", "build_demo"]
