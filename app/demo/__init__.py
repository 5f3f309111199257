"""The demo dealership (``autolytiq --demo``): ``app.demo.generator.build_demo`` makes it."""
